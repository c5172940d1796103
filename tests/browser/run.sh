#!/bin/bash
# The report in a real browser: hunt the demo fixtures into a case, write the
# report and the scope JSON, then check the report in headless Chromium
# (Debian's chromium, driven by playwright-core from npm).  Skips (77) when
# Chromium or Node.js is missing; `make test` installs both.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${SPOOR_BIN:?SPOOR_BIN not set}
src=${SPOOR_SRC:?}
out=${SPOOR_BUILD:?}/browser-test
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null; then
	echo "SKIP: Chromium ($chromium) or node not found (scripts/deps.sh installs them)"
	exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
	if ! command -v npm >/dev/null || ! (cd "$here" && npm ci --no-audit --no-fund >/dev/null 2>&1); then
		echo "SKIP: playwright-core is not installed and npm ci failed (run scripts/deps.sh)"
		exit 77
	fi
fi
rm -rf "$out" && mkdir -p "$out"
rules=(--rules "$src/rules")
data=${SPOOR_SHARED_DATA:-}
[ -d "$data/sigma/rules/windows/builtin" ] && rules+=(--rules "$data/sigma/rules/windows/builtin")
"$bin" hunt "${rules[@]}" --case "$out/case.db" --year 2024 -q "$src/tests/fixtures/demo" > /dev/null
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 3 ] && { echo "FAIL: hunt exited $rc"; exit 1; }
"$bin" report "$out/case.db" -o "$out/report.html" || exit 1
"$bin" scope "$out/case.db" --format json > "$out/scope.json" || exit 1
node "$here/report-test.mjs" "$out/report.html" "$out/scope.json" "$out/report.png"
