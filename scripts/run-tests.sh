#!/bin/sh
# Run every test in each build folder given and print one summary line:
# "N passed, N failed, N skipped".  Exit 1 if anything failed.
set -u
pass=0
fail=0
skip=0
for b in "$@"; do
	echo "== tests in $b"
	meson test -C "$b" --print-errorlogs --num-processes 2 >"$b/test-output.txt" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$b/test-output.txt" | grep -vE ' OK |SKIP' | sort -u || true
	log="$b/meson-logs/testlog.json"
	if [ ! -f "$log" ]; then
		echo "no test log in $b"
		fail=$((fail + 1))
		continue
	fi
	p=$(grep -c '"result": "OK"' "$log" || true)
	f=$(grep -cE '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
	s=$(grep -c '"result": "SKIP"' "$log" || true)
	echo "   $b: $p passed, $f failed, $s skipped"
	if [ "$s" -gt 0 ]; then
		grep -h 'SKIP' "$b/meson-logs/testlog.txt" | grep -E '^(SKIP|.*shared data)' | sort -u | head -5
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
done
if [ "$fail" -gt 0 ]; then
	echo "Failed tests: see the build folders' meson-logs/testlog.txt"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
