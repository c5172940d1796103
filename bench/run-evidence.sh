#!/bin/sh
# bench/run-evidence.sh BUILD — the evidence store's throughput, next to
# sha256sum over the same bytes in the same run; writes bench/RESULTS-evidence.md.
#
#   append   bench-evidence append FILE STORE: every line one record (library
#            only: leaf encoding, SHA-256, tiles, zstd bundles, checkpoints)
#   add      spoor evidence add STORE FILE: the same through the scanner (parsing)
#   verify   bench-evidence verify STORE: recompute every leaf, tile, checkpoint
#            (and again with SPOOR_NO_SHA_NI=1: OpenSSL instead of sha2x.c, and
#            on a store whose bundles are plain zstd level 1)
#   sha256sum FILE: the floor for hashing the same bytes once
#
# Inputs: syslog lines (EV_RECORDS, default 2,000,000, ~130 bytes each), and
# JSON lines from bench/data/templates.jsonl when `make bench` made it.
# The stores go to /dev/shm (EV_DIR to change) so that the disk of a shared
# VM does not decide the result; wall and CPU (user+sys) seconds are given,
# trust CPU when the load is high.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SPOOR="$BUILD/src/cli/spoor"
BE="$BUILD/bench/bench-evidence"
GEN="$BUILD/bench/gen-jsonl"
RECORDS=${EV_RECORDS:-2000000}
DATA=${BENCH_DATA:-$ROOT/bench/data}
WORK=${EV_DIR:-/dev/shm/spoor-bench-evidence}
OUT="$ROOT/bench/RESULTS-evidence.md"
mkdir -p "$DATA"
for b in "$SPOOR" "$BE"; do [ -x "$b" ] || { echo "bench: missing $b (ninja -C $BUILD)" >&2; exit 1; }; done
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

SYS="$DATA/evidence-syslog.log"
if [ ! -s "$SYS" ] || [ "$(wc -l <"$SYS")" -ne "$RECORDS" ]; then
	awk -v n="$RECORDS" 'BEGIN { srand(7); for (i = 0; i < n; i++)
		printf "Nov 29 10:%02d:%02d host%d sshd[%d]: Accepted publickey for user%d from 10.%d.%d.%d port %d ssh2: ED25519 SHA256:%08x\n",
			int(i/60)%60, i%60, i%37, 1000+i%30000, int(rand()*500), int(rand()*256), int(rand()*256), int(rand()*256),
			1024+int(rand()*60000), int(rand()*4294967295) }' >"$SYS"
fi
inputs="$SYS"
if [ -s "$DATA/templates.jsonl" ] && [ -x "$GEN" ]; then
	JS="$DATA/evidence-json.jsonl"
	[ -s "$JS" ] || "$GEN" "$DATA/templates.jsonl" 300000000 >"$JS" 2>/dev/null
	inputs="$inputs $JS"
fi

# run CMD...: RUNS runs; prints "wall cpu cpu_median" (seconds): wall the
# median, cpu the least user+sys of the runs (the run the other jobs on a
# shared VM disturbed least: identical runs vary by +-12% and more there),
# and the median cpu; stdout of the last run to $WORK/last.  $PRE, if set,
# is run before each run (a fresh store for appends).
RUNS=${BENCH_RUNS:-3}
run() {
	: >"$WORK/times"
	for _ in $(seq "$RUNS"); do
		[ -z "${PRE:-}" ] || eval "$PRE"
		/usr/bin/time -f '%e %U %S' -o "$WORK/time" "$@" >"$WORK/last" 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
		awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$WORK/time" >>"$WORK/times"
	done
	wall=$(cut -d' ' -f1 "$WORK/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	cpu=$(cut -d' ' -f2 "$WORK/times" | sort -n | head -1)
	cpumed=$(cut -d' ' -f2 "$WORK/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "$wall $cpu $cpumed"
}
fresh() { rm -rf "$WORK/st" && "$SPOOR" evidence init "$WORK/st" >/dev/null 2>&1; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / s / 1e6; else print "-" }'; }
rps() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }

# the hand-written notes below the table (from "## " on) are kept
NOTES="$WORK/notes"
sed -n '/^## /,$p' "$OUT" 2>/dev/null >"$NOTES" || :
{
	echo "# Evidence store throughput"
	echo
	echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);"
	echo "stores in $WORK. $RUNS runs of each: CPU = user+sys seconds, the least of the runs (use it"
	echo "when the load is high; the median beside it), wall = the median."
	echo
	echo "| input | what | records | MB | wall s | CPU s | CPU s (median) | records/s (CPU) | MB/s (CPU) | MB/s (CPU median) | MB/s (wall) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"
for f in $inputs; do
	name=$(basename "$f")
	bytes=$(stat -c %s "$f")
	recs=$(wc -l <"$f")
	cat "$f" >/dev/null # warm the page cache
	set -- $(run sha256sum "$f")
	echo "| $name | sha256sum | $recs | $((bytes / 1000000)) | $1 | $2 | $3 | - | $(mbs "$bytes" "$2") | $(mbs "$bytes" "$3") | $(mbs "$bytes" "$1") |" >>"$OUT"
	set -- $(PRE=fresh run "$BE" append "$f" "$WORK/st")
	echo "| $name | append (library) | $recs | $((bytes / 1000000)) | $1 | $2 | $3 | $(rps "$recs" "$2") | $(mbs "$bytes" "$2") | $(mbs "$bytes" "$3") | $(mbs "$bytes" "$1") |" >>"$OUT"
	vbytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$WORK/last")
	set -- $(run "$BE" verify "$WORK/st")
	vb=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$WORK/last")
	echo "| $name | verify (leaf entries) | $recs | $((vb / 1000000)) | $1 | $2 | $3 | $(rps "$recs" "$2") | $(mbs "$vb" "$2") | $(mbs "$vb" "$3") | $(mbs "$vb" "$1") |" >>"$OUT"
	# the same with the portable SHA-256 path (no x86 SHA extensions, src/evidence/sha2x.c)
	set -- $(run env SPOOR_NO_SHA_NI=1 "$BE" verify "$WORK/st")
	echo "| $name | verify, portable SHA-256 (SPOOR_NO_SHA_NI=1) | $recs | $((vb / 1000000)) | $1 | $2 | $3 | $(rps "$recs" "$2") | $(mbs "$vb" "$2") | $(mbs "$vb" "$3") | $(mbs "$vb" "$1") |" >>"$OUT"
	store=$(du -sb "$WORK/st" | cut -f1)
	# the same records in bundles at plain zstd level 1 (Huffman-coded
	# literals: smaller, slower to decompress; the default is level 1 with
	# raw literals, docs/internals/evidence.md)
	fresh
	"$BE" append "$f" "$WORK/st" 1 >/dev/null
	set -- $(run "$BE" verify "$WORK/st")
	echo "| $name | verify, store at plain zstd level 1 | $recs | $((vb / 1000000)) | $1 | $2 | $3 | $(rps "$recs" "$2") | $(mbs "$vb" "$2") | $(mbs "$vb" "$3") | $(mbs "$vb" "$1") |" >>"$OUT"
	store1=$(du -sb "$WORK/st" | cut -f1)
	set -- $(PRE=fresh run "$SPOOR" evidence add "$WORK/st" -q --checkpoint-seconds 0 --checkpoint-records 1000000 "$f")
	echo "| $name | spoor evidence add (parse + append) | $recs | $((bytes / 1000000)) | $1 | $2 | $3 | $(rps "$recs" "$2") | $(mbs "$bytes" "$2") | $(mbs "$bytes" "$3") | $(mbs "$bytes" "$1") |" >>"$OUT"
	rm -rf "$WORK/st"
	echo "| $name | store size | | $((store / 1000000)) | | | | | | | |" >>"$OUT"
	echo "| $name | store size, plain zstd level 1 | | $((store1 / 1000000)) | | | | | | | |" >>"$OUT"
	: "$vbytes"
done
if [ -s "$NOTES" ]; then
	echo >>"$OUT"
	cat "$NOTES" >>"$OUT"
fi
cat "$OUT"
