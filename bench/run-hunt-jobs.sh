#!/bin/sh
# bench/run-hunt-jobs.sh BUILD — `spoor hunt` over a multi-file corpus of
# about 1 GB (`spoor simulate --scale 8`: syslog, W3C, Zeek, M365, Entra,
# Windows JSON, 43 files) with spoor's rules and the SigmaHQ Windows rules,
# at -j 1 and at -j N (whole files on N threads, docs/internals/parallel-hunt.md):
# wall time, CPU time (user + sys) and peak RSS, the median of REPEATS runs
# of each, taken in turns; the load average before and after (the machine
# may be shared).  Checks the alerts are the same bytes at both.  Writes
# bench/RESULTS-hunt-jobs.md.
# Environment: HJ_SCALE (8), HJ_DIR (${TMPDIR:-/tmp}/spoor-bench-hunt-jobs,
# generated when missing, kept), HJ_REPEATS (3), HJ_JOBS (2).
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SPOOR="$BUILD/src/cli/spoor"
SCALE=${HJ_SCALE:-8}
DIR=${HJ_DIR:-${TMPDIR:-/tmp}/spoor-bench-hunt-jobs}
REPEATS=${HJ_REPEATS:-3}
JOBS=${HJ_JOBS:-2}
DATA=${SPOOR_SHARED_DATA:-$ROOT/../shared/data}
OUT=bench/RESULTS-hunt-jobs.md
RULES="-r $ROOT/rules"
rules_desc="spoor's rules"
if [ -d "$DATA/sigma/rules/windows" ]; then
	RULES="$RULES -r $DATA/sigma/rules/windows"
	rules_desc="spoor's rules + SigmaHQ rules/windows"
fi
if [ ! -d "$DIR/logs" ]; then
	"$SPOOR" simulate -q --out "$DIR" --seed 1 --scale "$SCALE"
fi
bytes=$(du -sb "$DIR/logs" | cut -f1)
files=$(find "$DIR/logs" -type f | wc -l)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# run J I: one hunt at -j J; its time line goes to $T/t.J.I
run() {
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %U %S %M' -o "$T/t.$1.$2" "$SPOOR" hunt --no-progress -q $RULES -j "$1" "$DIR/logs" \
		>"$T/out.$1" 2>"$T/err.$1" || true
}
i=1
while [ "$i" -le "$REPEATS" ]; do
	run 1 "$i"
	run "$JOBS" "$i"
	i=$((i + 1))
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
same=yes
cmp -s "$T/out.1" "$T/out.$JOBS" || same=NO
alerts=$(wc -l <"$T/out.1")
# median J COLUMN-EXPR: median over the runs at -j J of an awk expression
median() {
	cat "$T"/t."$1".* | awk "{print $2}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
row() {
	w=$(median "$1" '$1')
	c=$(median "$1" '$2+$3')
	r=$(median "$1" '$4')
	mbs=$(awk -v b="$bytes" -v w="$w" 'BEGIN {printf "%.1f", b / 1e6 / w}')
	all=$(cat "$T"/t."$1".* | awk '{printf "%s%s", (NR>1?", ":""), $1}')
	echo "| -j $1 | $w | $c | $mbs | $((r / 1024)) | $all |"
}
{
	echo "# spoor hunt -j: whole files on threads"
	echo
	echo "$(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)); corpus: \`spoor simulate --scale $SCALE\`,"
	echo "$files files, $bytes bytes; $rules_desc; $alerts alerts; output identical at -j 1 and -j $JOBS: $same."
	echo "Median of $REPEATS runs each, taken in turns.  Load average (1/5/15 min) before: $load0; after: $load1."
	echo
	echo "| jobs | wall s | CPU s (user+sys) | MB/s (wall) | peak RSS MB | wall s, every run |"
	echo "|---|---|---|---|---|---|"
	row 1
	row "$JOBS"
	echo
	echo "Wall time includes loading and compiling the rules (done once, before the threads start)."
	echo "On a shared machine the load average says how much of the cores the runs really had."
} >"$OUT"
cat "$OUT"
