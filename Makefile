# Parley's build. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
BUF       := node_modules/.bin/buf
SQLC      := go tool -modfile=tools/go.mod sqlc
GO_TEST_FLAGS ?= -race -count=1 -timeout 20m

.PHONY: help
help: ## Show this help.
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-16s %s\n", $$1, $$2}'

node_modules/.installed: package.json package-lock.json
	# npm install, not npm ci: npm 11 leaves the optional per-platform buf
	# packages out of the lock file and npm ci then refuses it. The lock still
	# pins every version.
	npm install --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.installed: clients/python/requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r clients/python/requirements-dev.txt
	touch $@

.PHONY: setup
setup: node_modules/.installed $(VENV)/.installed ## Install pinned tools (npm, Python venv, Go modules); idempotent.
	go mod download
	go mod download -modfile=tools/go.mod

.PHONY: run
run: ## Build and start the server on its embedded PostgreSQL (data in ./.parley).
	go run ./server/cmd/parley serve

.PHONY: build
build: ## Build bin/parley.
	go build -o bin/parley ./server/cmd/parley

.PHONY: generate
generate: setup ## Regenerate every generated file (protobuf, Connect, sqlc, the widget bundle) from proto/, sql/ and clients/widget.
	rm -rf gen/parley clients/typescript/src/gen clients/python/src/buf \
		clients/python/src/parley/agent clients/python/src/parley/session clients/python/src/parley/workflow
	$(BUF) generate
	rm -rf gen/db
	$(SQLC) generate -f sql/sqlc.yaml
	node clients/widget/build.mjs

.PHONY: widget
widget: setup ## Rebuild the browser widget bundle (server/internal/widget/static/widget.js) from clients/widget.
	node clients/widget/build.mjs

.PHONY: lint
lint: setup ## buf lint, buf format, buf breaking (against main), sqlc vet, go vet.
	$(BUF) lint
	$(BUF) format -d --exit-code
	@if git rev-parse --verify --quiet main >/dev/null && git cat-file -e main:buf.yaml 2>/dev/null; then \
		echo "$(BUF) breaking --against .git#branch=main"; $(BUF) breaking --against '.git#branch=main'; \
	else echo "buf breaking: no main branch with protos to compare against yet"; fi
	$(SQLC) vet -f sql/sqlc.yaml
	go vet ./...

.PHONY: check-generated
check-generated: generate ## Fail when generated files differ from what is committed.
	@changes=$$(git status --porcelain -- gen clients/typescript/src/gen clients/python/src server/internal/widget/static/widget.js); \
	if [ -n "$$changes" ]; then echo "generated files are stale; run make generate and commit:"; echo "$$changes"; exit 1; fi

.PHONY: test
test: ## Set up everything and run every check and test (what CI runs).
	.ci/test.sh

.PHONY: bench
bench: ## Run every benchmark scenario (parley bench all) and write bench.json; SCENARIOS=... BENCH_FLAGS=... narrow it.
	go build -o bin/parley ./server/cmd/parley
	bin/parley bench $(BENCH_FLAGS) $(or $(SCENARIOS),all)

.PHONY: timers-report
timers-report: setup ## Hold 10,000 runs in a one-hour delay and report the idle server's CPU and memory.
	PARLEY_TIMERS_REPORT=1 .ci/testdb.sh go test -count=1 -run TestTenThousandPendingDelaysIdle -v ./server/internal/app/
