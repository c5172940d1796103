#!/bin/sh
# bench/run-simulate.sh BUILD — generation throughput of `spoor simulate`
# (SIM_SCALE, default 10: about 1.2 GB) with its peak RSS, then `spoor stats`
# reading the result back (all formats mixed).  Writes bench/RESULTS-simulate.md.
# Environment: SIM_SCALE, SIM_DIR (default bench/data/sim; removed after),
# SIM_KEEP=1 keeps the output.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SPOOR="$BUILD/src/cli/spoor"
SCALE=${SIM_SCALE:-10}
DIR=${SIM_DIR:-$ROOT/bench/data/sim}
OUT=bench/RESULTS-simulate.md
rm -rf "$DIR"
mkdir -p "$(dirname "$DIR")"
log=$(mktemp)
/usr/bin/time -f 'rss_kb=%M wall=%e user=%U sys=%S' "$SPOOR" simulate --out "$DIR" --seed 1 --scale "$SCALE" 2> "$log"
gen=$(grep '^spoor simulate' "$log")
gt=$(grep '^rss_kb' "$log")
bytes=$(du -sb "$DIR/logs" | cut -f1)
/usr/bin/time -f 'rss_kb=%M wall=%e user=%U sys=%S' "$SPOOR" stats --no-progress "$DIR/logs" > "$log.stats" 2> "$log"
st=$(grep '^rss_kb' "$log")
bad=$(grep 'bad records' "$log.stats")
{
	echo "# spoor simulate: generation throughput"
	echo
	echo "$(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)); scale $SCALE, defaults otherwise (4 agencies x 40 mailboxes, 3 providers, 14 days)."
	echo
	echo "| step | result |"
	echo "|---|---|"
	echo "| generate | $gen |"
	echo "| generate time/RSS | $gt |"
	echo "| log bytes | $bytes |"
	echo "| spoor stats over it | $st; $bad |"
	echo
	echo "MB/s (cpu) is the generator's own speed; wall-clock MB/s is bounded by the disk."
	echo "Peak RSS does not grow with --scale: nothing is kept per record."
} > "$OUT"
cat "$OUT"
rm -f "$log" "$log.stats"
[ "${SIM_KEEP:-0}" = 1 ] || rm -rf "$DIR"
