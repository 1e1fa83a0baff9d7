#!/usr/bin/env bash
# Every check and test, from a fresh clone: `make test` runs this, and CI
# runs `make test`. Steps print a header so a failure is easy to place.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "setup (pinned npm, Python and Go tools)"
make --no-print-directory setup

step "system packages the tests drive (Debian)"
.ci/system-packages.sh

step "lint (buf lint/format/breaking, sqlc vet, go vet)"
make --no-print-directory lint

step "generated code is up to date"
make --no-print-directory check-generated

step "TypeScript: generated code and the widget type-check"
node_modules/.bin/tsc -p clients/typescript --noEmit
node_modules/.bin/tsc -p clients/widget --noEmit

step "Python: generated package imports"
PYTHONPATH=clients/python/src .venv/bin/python -c '
import parley.workflow.v1.workflow_connect, parley.session.v1.session_connect, parley.agent.v1.agent_connect
print("python: generated clients import")'

step "Go tests (race detector, real PostgreSQL)"
.ci/testdb.sh go test ${GO_TEST_FLAGS:--race -count=1 -timeout 20m} ./...
