#!/bin/sh
# hunt-jobs — `spoor hunt -j N` over many files gives the bytes of -j 1:
# alerts on stdout, the CSV timeline, the messages on stderr and the exit
# code, with and without stages that keep state across events (Sigma
# correlations, --analytics, --inventory, --covered-tracks).  The corpus is
# built at test time: `spoor simulate` (Windows JSON, syslog, W3C, Zeek,
# Entra), the repository's fixtures (a gzip file, a bad record), a file
# that is all bad records, and, when the shared data is there, the MITRE
# ATT&CK EVTX samples with the SigmaHQ Windows rules.
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN unset}
SRC=${SPOOR_SRC:?SPOOR_SRC unset}
DATA=${SPOOR_SHARED_DATA:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0

"$SPOOR" simulate -q --out "$T/sim" --days 3 --agencies 2 --mailboxes 12 --seed 7
mkdir -p "$T/corpus"
cp -r "$T/sim/logs" "$T/corpus/sim"
cp -r "$SRC/tests/fixtures" "$T/corpus/fixtures"
i=0
while [ $i -lt 30 ]; do
	printf '{"broken": \n' >>"$T/corpus/fixtures/zz-bad.jsonl"
	i=$((i + 1))
done
RULES="-r $SRC/rules"
EVTX=
if [ -n "$DATA" ] && [ -d "$DATA/sigma/rules/windows" ]; then
	RULES="$RULES -r $DATA/sigma/rules/windows"
	EVTX="$DATA/evtx/mitre-attack-cc0"
else
	echo "note: shared data not found (SPOOR_SHARED_DATA): spoor's rules and generated logs only"
fi
nfiles=$(find "$T/corpus" -type f | wc -l)
echo "corpus: $nfiles files${EVTX:+ + $EVTX}"

# a correlation over two files (3 failed logons of one account in 10 min)
CORR="$SRC/tests/cases/hunt/corr-event-count"
mkdir -p "$T/corpus/corr"
cp "$CORR"/*.jsonl "$T/corpus/corr/"

untime() { sed -E 's/ in [0-9.]+ s$//'; }

# same NAME ARGS...: hunt ARGS at -j 1 and at -j 2, 4, 0: stdout, CSV,
# stderr and exit code identical.
same() {
	name=$1
	shift
	rc1=0
	# shellcheck disable=SC2086
	"$SPOOR" hunt --no-progress "$@" --csv "$T/csv1" -j 1 >"$T/out1" 2>"$T/e" || rc1=$?
	untime <"$T/e" >"$T/err1"
	for j in 2 4 0; do
		rcj=0
		"$SPOOR" hunt --no-progress "$@" --csv "$T/csvj" -j "$j" >"$T/outj" 2>"$T/e" || rcj=$?
		untime <"$T/e" >"$T/errj"
		for k in out csv err; do
			if ! cmp -s "$T/${k}1" "$T/${k}j"; then
				echo "FAIL $name: -j $j: $k differs from -j 1"
				diff "$T/${k}1" "$T/${k}j" | head -5
				fail=1
			fi
		done
		if [ "$rc1" != "$rcj" ]; then
			echo "FAIL $name: -j $j: exit $rcj, -j 1: $rc1"
			fail=1
		fi
	done
	n=$(wc -l <"$T/out1")
	c=$(wc -l <"$T/csv1")
	echo "ok $name: $n alerts, $c CSV lines, exit $rc1, identical at -j 1/2/4/0"
	[ "$n" -gt 0 ] || { echo "FAIL $name: no alerts"; fail=1; }
}

# stateless: Sigma without correlations, intel, GeoIP — whole files on threads
# shellcheck disable=SC2086
same "sigma+intel+geo" $RULES --intel "$T/sim/indicators.csv" --geo "$T/sim/geoip.csv" "$T/corpus" $EVTX
# shellcheck disable=SC2086
same "sigma, few bad records shown" -r "$SRC/rules" --max-report 3 "$T/corpus" $EVTX
# the per-file buffer spilled to a temporary file at once
# shellcheck disable=SC2086
same "sigma, 4 KiB job buffer" $RULES --job-buffer 4096 "$T/corpus" $EVTX

# it did run on threads, and said so only with -v
# shellcheck disable=SC2086
"$SPOOR" hunt --no-progress -v $RULES -j 2 "$T/corpus" 2>"$T/e" >/dev/null || true
grep -q '(worker 2)' "$T/e" || { echo "FAIL: -j 2 -v names no second worker"; fail=1; }

# stateful: the single pipeline, in input order, and -v says why
same "sigma correlation" -r "$SRC/rules" -r "$CORR/rules.yml" "$T/corpus"
grep -q '"rule.name":"Brute force against one account"' "$T/out1" || { echo "FAIL: no correlation alert"; fail=1; }
"$SPOOR" hunt --no-progress -v -r "$CORR/rules.yml" -j 2 "$T/corpus" 2>"$T/e" >/dev/null || true
grep -q 'one pipeline in input order (Sigma correlation rules' "$T/e" ||
	{ echo "FAIL: -j 2 with a correlation does not say it runs one pipeline"; fail=1; }
grep -q '(worker' "$T/e" && { echo "FAIL: -j 2 with a correlation ran workers"; fail=1; }
same "analytics" --analytics "$T/corpus"
same "inventory + covered tracks" -r "$SRC/rules" --inventory "$SRC/tests/cases/providers/inventory.yaml" --covered-tracks "$T/corpus"
exit $fail
