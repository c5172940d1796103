#!/bin/sh
# Install the Debian 12 packages spoor needs to build, test and benchmark.
# Idempotent: installs only what is missing, and says what it installs.
# fail2ban: only its fail2ban-regex is used, by the simulate test (its filters
# check the simulated Postfix/Dovecot/sshd lines).
# golang-go + golang-golang-x-mod-dev build ../shared/tools/goverify, the
# independent verifier the evidence store is checked against (tests skip without it).
set -eu
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libvectorscan-dev libpcre2-dev libyaml-dev zlib1g-dev libzstd-dev libssl-dev
libsqlite3-dev libmaxminddb-dev libcmocka-dev libcjson-dev
jq ripgrep unzip gzip zstd python3 binutils libevtx-utils time fail2ban
chromium nodejs libmaxmind-db-writer-perl golang-go golang-golang-x-mod-dev"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages present"
else
	echo "deps: installing:$missing"
	SUDO=""
	if [ "$(id -u)" != 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	echo "deps: done"
fi
# The report's browser test drives Debian's Chromium with playwright-core
# (npm, pinned in tests/browser/package-lock.json; no browser download).
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/browser/node_modules/playwright-core" ] && command -v npm >/dev/null; then
	echo "deps: npm ci in tests/browser (playwright-core)"
	(cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		echo "deps: npm ci failed; the browser test will be skipped"
fi
