#!/bin/sh
# evtx-jobs — `-j N` gives byte-identical output to `-j 1` (spoor cat, stats
# --json and hunt), on a many-chunk EVTX file built at test time from the
# shared data (bench/mk-big-evtx.py: every chunk of parser-edgecases and
# mitre-attack-cc0, damaged ones included) and on the real files as they
# are.  Exit 77 (skip) without the shared data or python3.
set -eu
DATA=${SPOOR_SHARED_DATA:-}
SPOOR=${SPOOR_BIN:?SPOOR_BIN unset}
SRC=${SPOOR_SRC:?SPOOR_SRC unset}
if [ -z "$DATA" ] || [ ! -d "$DATA/evtx/parser-edgecases" ]; then
	echo "SKIP: shared data not found (set SPOOR_SHARED_DATA)"
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 "$SRC/bench/mk-big-evtx.py" "$DATA/evtx" "$T/big.evtx" 60000000
fail=0
# hunt's summary line ends with its run time
untime() { sed -E 's/ in [0-9.]+ s$//'; }
# same NAME CMD...: the output, messages and exit code of CMD with -j 1
# equal those with -j 2, 3 and 0 (one thread per core).
same() {
	name=$1
	shift
	rc1=0
	"$@" -j 1 >"$T/out1" 2>"$T/e" || rc1=$?
	untime <"$T/e" >"$T/err1"
	for j in 2 3 0; do
		rcj=0
		"$@" -j "$j" >"$T/outj" 2>"$T/e" || rcj=$?
		untime <"$T/e" >"$T/errj"
		if [ "$rc1" != "$rcj" ] || ! cmp -s "$T/out1" "$T/outj" || ! cmp -s "$T/err1" "$T/errj"; then
			echo "FAIL $name: -j $j differs from -j 1 (exit $rcj vs $rc1)"
			fail=1
		fi
	done
	n=$(wc -l <"$T/out1")
	echo "ok $name: $n lines, exit $rc1, identical at -j 1/2/3/0"
	[ "$n" -gt 0 ] || { echo "FAIL $name: no output"; fail=1; }
}
same "cat big.evtx" "$SPOOR" cat --no-progress "$T/big.evtx"
same "stats --json big.evtx" "$SPOOR" stats --json --no-progress "$T/big.evtx"
same "cat parser-edgecases" "$SPOOR" cat --no-progress --max-report 1000 "$DATA/evtx/parser-edgecases/samples"
same "hunt (builtin rules) on mitre-attack-cc0" "$SPOOR" hunt --no-progress -r "$DATA/sigma/rules/windows/builtin" "$DATA/evtx/mitre-attack-cc0"
# The big file must have records of every kind the test is about.
"$SPOOR" cat -q --no-progress -j 2 "$T/big.evtx" >"$T/big.evtx.cat" || true
for want in '"spoor.recovered":"slack"' '"spoor.recovered":"resync"'; do
	grep -q "$want" "$T/big.evtx.cat" || { echo "FAIL: no $want record in big.evtx"; fail=1; }
done
exit $fail
