#!/usr/bin/env bash
# Installs the Debian packages the tests drive: interpreters that check the
# generated PHP and Ruby snippets, curl for the cURL snippet, and Chromium for
# the widget's browser test. Idempotent:
# it does nothing when every command is already there. Without root (or
# passwordless sudo) it only says what is missing; the tests that need a
# missing command then skip locally and fail under CI=true.
set -euo pipefail

# command -> Debian package
declare -A packages=(
	[php]=php-cli
	[ruby]=ruby
	[curl]=curl
	[chromium]=chromium
)

missing=()
for cmd in "${!packages[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
# The PHP snippet needs PHP's curl extension, a package of its own.
if ! command -v php >/dev/null 2>&1 || ! php -r 'exit(extension_loaded("curl") ? 0 : 1);' 2>/dev/null; then
	missing+=(php-curl)
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "system packages: all present"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as_root=(sudo -n)
else
	echo "system packages: missing ${missing[*]} (install them with apt-get as root; the tests that need them will skip)" >&2
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "system packages: missing ${missing[*]} and no apt-get here (the tests that need them will skip)" >&2
	exit 0
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
