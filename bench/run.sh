#!/bin/sh
# bench/run.sh BUILD — `make bench`: spoor against cat, jq and cJSON on a
# JSON-lines file of >= 1 GB, after a warm-up pass; writes bench/RESULTS.md.
#
# 1. bench/data/templates.jsonl: real records, compacted (SigmaHQ regression
#    JSON in evtx_dump shape, OTRF Winlogbeat/NXLog lines, Microsoft 365 /
#    Entra / Okta / Google records, Zeek and Suricata EVE).  Needs the shared
#    data ($SPOOR_SHARED_DATA, default ../shared/data).
# 2. bench/data/bench.jsonl: BENCH_BYTES (default 1100000000) bytes made by
#    BUILD/bench/gen-jsonl from the templates with varied values; reused when
#    present and of the right size.
# 3. Warm-up (cat FILE > /dev/null, twice), then each tool BENCH_RUNS times
#    (default 3; the median wall time counts), under /usr/bin/time for the
#    peak RSS.  jq runs on a prefix of JQ_BYTES (default 100 MB): it is too
#    slow for the whole file, and its MB/s is per byte it read.
#
# Environment: BENCH_BYTES, BENCH_RUNS, JQ_BYTES, BENCH_DATA (directory),
# BENCH_TMPFS (1: time copies in /dev/shm), BENCH_NICE (e.g. -10: run the
# timed commands at that nice level, so that other jobs on a shared VM
# distort wall-clock numbers less; needs root for negative values).
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DATA=${BENCH_DATA:-$ROOT/bench/data}
SHARED=${SPOOR_SHARED_DATA:-$ROOT/../shared/data}
BYTES=${BENCH_BYTES:-1100000000}
RUNS=${BENCH_RUNS:-3}
JQ_BYTES=${JQ_BYTES:-100000000}
SPOOR="$BUILD/src/cli/spoor"
GEN="$BUILD/bench/gen-jsonl"
PARSE="$BUILD/bench/bench-parse"
CJSON="$BUILD/bench/cjson-parse"
mkdir -p "$DATA"

say() { printf '%s\n' "bench: $*" >&2; }

# --- tools ------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
	say "installing Debian package 'time' (for /usr/bin/time peak RSS)"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get install -y -qq time >/dev/null
fi
for b in "$SPOOR" "$GEN" "$PARSE"; do
	[ -x "$b" ] || { say "missing $b (build first: ninja -C $BUILD)"; exit 1; }
done
HAVE_CJSON=1
[ -x "$CJSON" ] || { HAVE_CJSON=0; say "no $CJSON (libcjson-dev missing?): cJSON row skipped"; }
command -v jq >/dev/null || { say "jq missing"; exit 1; }

# --- data -------------------------------------------------------------------
TPL="$DATA/templates.jsonl"
FILE="$DATA/bench.jsonl"
if [ ! -s "$TPL" ]; then
	[ -d "$SHARED" ] || { say "shared data not found at $SHARED (set SPOOR_SHARED_DATA)"; exit 1; }
	say "building $TPL from $SHARED"
	t0=$(date +%s)
	{
		# Windows, evtx_dump shape (pretty-printed objects -> one per line)
		find "$SHARED/sigma/regression_data" -name '*.json' -print0 | sort -z | xargs -0 jq -c . 2>/dev/null || true
		# Windows via Winlogbeat/NXLog (OTRF): 3000 lines of each of 6 zips
		find "$SHARED/json/otrf" -name '*.zip' | sort | head -6 | while read -r z; do
			unzip -p "$z" 2>/dev/null | head -n 3000 || true
		done
		# Cloud identity/audit
		for f in Microsoft365.Audit.AzureActiveDirectory Microsoft365.Audit.Exchange Microsoft365.Audit.SharePoint \
			Azure.Audit Okta.SystemLog GSuite.ActivityEvent AWS.CloudTrail; do
			[ -f "$SHARED/logs/panther/$f.jsonl" ] && head -n 300 "$SHARED/logs/panther/$f.jsonl"
		done
		# Zeek JSON logs and Suricata EVE
		grep -rh '^{' "$SHARED/network/zeek-btest/Baseline" --include='*.log' 2>/dev/null | head -n 2000 || true
		for f in "$SHARED"/network/suricata-eve/samples/*/alerts-only.json; do
			jq -c '.[]' "$f" 2>/dev/null || true
		done
	} | jq -c 'select(type == "object")' 2>/dev/null >"$TPL.tmp" || true
	mv "$TPL.tmp" "$TPL"
	say "templates: $(wc -l <"$TPL") records, $(wc -c <"$TPL") bytes ($(($(date +%s) - t0)) s)"
fi
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size_of "$FILE")" -lt "$BYTES" ] || [ "$TPL" -nt "$FILE" ]; then
	say "generating $FILE ($BYTES bytes)"
	t0=$(date +%s%N)
	"$GEN" "$TPL" "$BYTES" >"$FILE.tmp"
	mv "$FILE.tmp" "$FILE"
	say "generated in $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s"
else
	say "reusing $FILE"
fi
SIZE=$(size_of "$FILE")
JQFILE="$DATA/bench-prefix-$JQ_BYTES.jsonl"
if [ ! -s "$JQFILE" ] || [ "$FILE" -nt "$JQFILE" ]; then
	head -c "$JQ_BYTES" "$FILE" | sed '$d' >"$JQFILE" # whole lines only
fi
JQSIZE=$(size_of "$JQFILE")

# --- timing -----------------------------------------------------------------
OUT=$(mktemp -d)
SHM=""
trap 'rm -rf "$OUT" $SHM' EXIT INT TERM
# The page cache of this VM is reclaimed behind our back (DAMON pageout is
# on), so a "cached" file may be read from disk again.  With BENCH_TMPFS=1
# (default) the timed runs read copies in /dev/shm, which stay in memory
# (no swap); the copies are removed at exit.
ORIG_FILE=$FILE
if [ "${BENCH_TMPFS:-1}" = 1 ] && [ -d /dev/shm ]; then
	free_kb=$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')
	if [ "$free_kb" -gt $(((SIZE + JQSIZE) / 1024 + 262144)) ]; then
		SHM="/dev/shm/spoor-bench.$$"
		mkdir -p "$SHM"
		cp "$FILE" "$SHM/bench.jsonl"
		cp "$JQFILE" "$SHM/bench-prefix.jsonl"
		FILE="$SHM/bench.jsonl"
		JQFILE="$SHM/bench-prefix.jsonl"
		say "timed runs read copies in $SHM (tmpfs)"
	fi
fi

NICE=""
[ -n "${BENCH_NICE:-}" ] && NICE="nice -n $BENCH_NICE"
say "warm-up: cat twice"
cat "$FILE" >/dev/null
cat "$FILE" >/dev/null
cat "$JQFILE" >/dev/null

# run NAME BYTES EVENTS_FROM CMD...: RUNS timed runs; the median by wall time.
# Writes NAME wall user sys rss_kb bytes events into $OUT/rows.
run() {
	name=$1 bytes=$2 evsrc=$3
	shift 3
	: >"$OUT/$name.times"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		$NICE /usr/bin/time -f '%e %U %S %M' -o "$OUT/t" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" || {
			say "$name failed:"
			cat "$OUT/$name.err" >&2
			return 1
		}
		cat "$OUT/t" >>"$OUT/$name.times"
		i=$((i + 1))
	done
	med=$(sort -n "$OUT/$name.times" | sed -n "$(((RUNS + 1) / 2))p")
	ev=0
	case $evsrc in
	lines) ev=$(awk '{print $2}' "$OUT/$name.out") ;;
	none) ev=0 ;;
	*) ev=$evsrc ;;
	esac
	all=$(awk '{printf "%s%s", (NR > 1 ? "/" : ""), $1}' "$OUT/$name.times")
	echo "$name $med $bytes $ev $all" >>"$OUT/rows"
	say "$(echo "$name $med $bytes $ev" | awk '{printf "%-16s %7.2f s  %8.1f MB/s  %6.0f MiB RSS", $1, $2, $6 / $2 / 1e6, $5 / 1024}') (runs: $all s)"
}

say "file: $FILE, $SIZE bytes; $RUNS runs each, median"
NLINES=$(wc -l <"$FILE")
NJQ=$(wc -l <"$JQFILE")
run cat "$SIZE" "$NLINES" cat "$FILE"
run spoor-validate "$SIZE" lines "$PARSE" validate "$FILE"
run spoor-flatten "$SIZE" lines "$PARSE" flatten "$FILE"
run spoor-scan "$SIZE" lines "$PARSE" scan "$FILE"
# spoor cat: to /dev/null through a shell redirect, one core (it is
# single-threaded; taskset pins it so the number is per core).
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
NEV=$(awk '{print $2}' "$OUT/spoor-scan.out")
run spoor-cat "$SIZE" "$NEV" sh -c "$PIN '$SPOOR' cat '$FILE' >/dev/null"
[ "$HAVE_CJSON" = 1 ] && run cjson "$SIZE" lines "$CJSON" "$FILE"
run jq "$JQSIZE" "$NJQ" sh -c "jq -c . '$JQFILE' >/dev/null"
command -v rg >/dev/null && run rg-F "$SIZE" "$NLINES" sh -c "rg -F -c 'mimikatz-not-there' '$FILE' >/dev/null || true"

# --- report -----------------------------------------------------------------
CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
NCPU=$(nproc)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
BTYPE=$(python3 -c "import json,sys; o=json.load(open('$BUILD/meson-info/intro-buildoptions.json')); print([x['value'] for x in o if x['name']=='buildtype'][0])" 2>/dev/null || echo "?")
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
RES="$ROOT/bench/RESULTS.md"
awk -v size="$SIZE" -v cpu="$CPU" -v ncpu="$NCPU" -v mem="$MEM" -v load="$LOAD" -v date="$DATE" \
	-v btype="$BTYPE" -v file="${ORIG_FILE#"$ROOT"/}" -v shm="$SHM" -v nice="${BENCH_NICE:-}" -v runs="$RUNS" -v nlines="$NLINES" -v jqsize="$JQSIZE" -v build="$BUILD" '
function mbs(n) { return r_bytes[n] / r_wall[n] / 1e6 }
function cmbs(n) { return r_user[n] + r_sys[n] > 0 ? r_bytes[n] / (r_user[n] + r_sys[n]) / 1e6 : 0 }
{
	n = $1; order[++k] = n; r_wall[n] = $2; r_user[n] = $3; r_sys[n] = $4; r_rss[n] = $5
	r_bytes[n] = $6; r_ev[n] = $7; r_all[n] = $8
}
END {
	print "# spoor benchmark results"
	print ""
	printf "- date: %s; build: `%s` (buildtype %s)\n", date, build, btype
	printf "- machine: %s, %s vCPU, %s RAM; load average at the end: %s\n", cpu, ncpu, mem, load
	printf "- file: %s, %d bytes (%.2f GB), %d JSON lines (generated from real records by bench/gen-jsonl)\n", file, size, size / 1e9, nlines
	printf "- jq ran on the first %d bytes (%.0f MB) of the same file: on the whole file it takes minutes\n", jqsize, jqsize / 1e6
	if (shm != "")
		print "- the timed runs read a copy of the file in /dev/shm (tmpfs): this VM reclaims page cache behind our back, so a cached file may be read from disk again"
	if (nice != "")
		printf "- timed commands ran under `nice -n %s` (the VM is shared with other jobs)\n", nice
	printf "- warm-up: `cat FILE > /dev/null` twice; then %d runs per tool, median wall time; peak RSS from /usr/bin/time\n", runs
	print ""
	print "MB/s and events/s are per wall-clock second of the median run; \"CPU MB/s\" divides by user+sys time instead, which is what a busy shared VM distorts least."
	print ""
	print "| tool | what it does | wall s (median) | MB/s | events/s | user s | sys s | CPU MB/s | peak RSS MiB | runs (wall s) |"
	print "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
	desc["cat"] = "`cat FILE > /dev/null`"
	desc["spoor-validate"] = "json_validate per line (bench-parse validate)"
	desc["spoor-flatten"] = "json_flatten per line, fields interned, no shapes (bench-parse flatten)"
	desc["spoor-scan"] = "spoor_scanner_next loop: framing, flattening, shapes; no output (bench-parse scan)"
	desc["spoor-cat"] = "`spoor cat FILE > /dev/null`, one core"
	desc["cjson"] = "cJSON_ParseWithLength + cJSON_Delete per line"
	desc["jq"] = "`jq -c . PREFIX > /dev/null`"
	desc["rg-F"] = "`rg -F -c` of an absent literal (reference)"
	for (i = 1; i <= k; i++) {
		n = order[i]
		cpu = r_user[n] + r_sys[n]
		printf "| %s | %s | %.2f | %.0f | %.0f | %.2f | %.2f | %s | %.1f | %s |\n", n, desc[n], r_wall[n], mbs(n), r_ev[n] / r_wall[n], r_user[n], r_sys[n], (cpu > 0 ? sprintf("%.0f", r_bytes[n] / cpu / 1e6) : "-"), r_rss[n] / 1024, r_all[n]
	}
	print ""
	print "## Targets (issue 2)"
	print ""
	print "Each target is evaluated on wall-clock time (as the issue states it) and on CPU time (user+sys), which is what a loaded shared VM distorts least."
	print ""
	print "| target | wall clock | result | CPU time | result |"
	print "|---|---|---|---|---|"
	if ("cjson" in r_wall) {
		for (j = 1; j <= 3; j++) {
			m = j == 1 ? "spoor-validate" : j == 2 ? "spoor-flatten" : "spoor-scan"
			if (m in r_wall) {
				ratio = mbs(m) / mbs("cjson")
				cr = cmbs(m) / cmbs("cjson")
				printf "| parse-only >= 2x cJSON (%s) | %.0f / %.0f MB/s = %.2fx | %s | %.0f / %.0f MB/s = %.2fx | %s |\n", m, mbs(m), mbs("cjson"), ratio, (ratio >= 2 ? "met" : "MISSED"), cmbs(m), cmbs("cjson"), cr, (cr >= 2 ? "met" : "MISSED")
			}
		}
	}
	if ("jq" in r_wall && "spoor-cat" in r_wall) {
		ratio = mbs("spoor-cat") / mbs("jq")
		cr = cmbs("spoor-cat") / cmbs("jq")
		printf "| spoor cat >= 10x jq -c . | %.0f / %.1f MB/s = %.1fx | %s | %.0f / %.1f MB/s = %.1fx | %s |\n", mbs("spoor-cat"), mbs("jq"), ratio, (ratio >= 10 ? "met" : "MISSED"), cmbs("spoor-cat"), cmbs("jq"), cr, (cr >= 10 ? "met" : "MISSED")
	}
	if ("spoor-cat" in r_wall) {
		printf "| spoor cat >= 300 MB/s, one core | %.0f MB/s | %s | %.0f MB/s | %s |\n", mbs("spoor-cat"), (mbs("spoor-cat") >= 300 ? "met" : "MISSED"), cmbs("spoor-cat"), (cmbs("spoor-cat") >= 300 ? "met" : "MISSED")
		rss = r_rss["spoor-cat"] / 1024
		printf "| peak RSS < 64 MiB (spoor cat) | %.1f MiB | %s | | |\n", rss, (rss < 64 ? "met" : "MISSED")
	}
	if ("spoor-scan" in r_wall)
		printf "| peak RSS < 64 MiB (scanner) | %.1f MiB | %s | | |\n", r_rss["spoor-scan"] / 1024, (r_rss["spoor-scan"] / 1024 < 64 ? "met" : "MISSED")
}' "$OUT/rows" >"$RES.tmp"
mv "$RES.tmp" "$RES"
if [ -f "$ROOT/bench/NOTES.md" ]; then
	{ echo; cat "$ROOT/bench/NOTES.md"; } >>"$RES"
fi
echo
cat "$RES"
