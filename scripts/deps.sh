#!/bin/sh
# Install the Debian 12 packages spoor needs to build, test and benchmark.
# Idempotent: installs only what is missing, and says what it installs.
# golang-go + golang-golang-x-mod-dev build ../shared/tools/goverify, the
# independent verifier the evidence store is checked against (tests skip without it).
set -eu
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libvectorscan-dev libpcre2-dev libyaml-dev zlib1g-dev libzstd-dev libssl-dev
libsqlite3-dev libmaxminddb-dev libcmocka-dev libcjson-dev
jq ripgrep unzip gzip zstd python3 binutils libevtx-utils time
golang-go golang-golang-x-mod-dev"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages present"
	exit 0
fi
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
