#!/bin/sh
# bench/run-hunt.sh BUILD — `make bench`, part 3: `spoor hunt` with Sigma
# rules, on one core, against `rg -F` of the rules' literal atoms and
# `cat`; appends (or replaces) its section of bench/RESULTS.md.
#
# 1. Corpus: at least HUNT_BYTES (default 1100000000) bytes of Windows JSON
#    lines in $HUNT_DATA (default /tmp/spoor-bench-hunt): real Windows
#    records from the shared data (SigmaHQ regression events in evtx_dump
#    shape, compacted; OTRF Winlogbeat/NXLog lines) replicated as they are
#    (not through gen-jsonl: it rewrites every digit run, EventIDs included,
#    and Windows rules would then select almost no event); plus the EVTX
#    corpus (evtx/mitre-attack-cc0, 281 files) read HUNT_EVTX_REP times
#    (default 3).
# 2. Rule sets: "all" = every SigmaHQ rule folder (rules*, 3,780 rules);
#    "10" = the first 10 Windows process_creation rules by file name.
# 3. LITERALS: the literal atoms of all the rules (for each string value of
#    a detection item, its longest run without wildcards, escapes undone;
#    deduplicated) for `LC_ALL=C rg -F -c -f LITERALS`: a case-sensitive
#    literal scan that does far less work than Sigma's case-insensitive,
#    per-field matching.
#    Start-up alone (the same hunts over an empty file) is timed too, as a
#    reference: the part of the ratio that does not grow with the input.
# 4. Warm-up (cat twice), then each run HUNT_RUNS times (default 5; median
#    wall time), pinned to one core (taskset), under /usr/bin/time -v for
#    user/sys time and peak RSS.
#
# Environment: HUNT_BYTES, HUNT_RUNS, HUNT_DATA, HUNT_EVTX_REP,
# SPOOR_SHARED_DATA.  The VM is shared: the CPU-time column (user+sys) is
# what other jobs distort least; callgrind instruction counts (bench/NOTES.md)
# decide optimizations.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
SHARED=${SPOOR_SHARED_DATA:-$ROOT/../shared/data}
DATA=${HUNT_DATA:-/tmp/spoor-bench-hunt}
BYTES=${HUNT_BYTES:-1100000000}
RUNS=${HUNT_RUNS:-5}
REP=${HUNT_EVTX_REP:-3}
SPOOR="$BUILD/src/cli/spoor"
RES="$ROOT/bench/RESULTS.md"
say() { printf '%s\n' "bench-hunt: $*" >&2; }

[ -x "$SPOOR" ] || { say "build first: ninja -C $BUILD"; exit 1; }
[ -d "$SHARED/sigma" ] || { say "shared data not found at $SHARED (set SPOOR_SHARED_DATA)"; exit 1; }
[ -x /usr/bin/time ] || { say "/usr/bin/time missing (Debian package 'time')"; exit 1; }
command -v rg >/dev/null || { say "rg missing (Debian package ripgrep)"; exit 1; }
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || { say "python3-yaml missing"; exit 1; }
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
mkdir -p "$DATA"

# --- corpus -----------------------------------------------------------------
TPL="$DATA/windows-templates.jsonl"
FILE="$DATA/windows.jsonl"
if [ ! -s "$TPL" ]; then
	say "building $TPL"
	{
		find "$SHARED/sigma/regression_data" -name '*.json' -print0 | sort -z | xargs -0 jq -c . 2>/dev/null || true
		find "$SHARED/json/otrf" -name '*.zip' | sort | head -12 | while read -r z; do
			unzip -p "$z" 2>/dev/null | head -n 4000 || true
		done
	} | jq -c 'select(type == "object")' 2>/dev/null >"$TPL.tmp" || true
	mv "$TPL.tmp" "$TPL"
fi
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size_of "$FILE")" -lt "$BYTES" ] || [ "$TPL" -nt "$FILE" ]; then
	say "replicating $(wc -l <"$TPL") Windows records to $BYTES bytes: $FILE"
	: >"$FILE.tmp"
	while [ "$(size_of "$FILE.tmp")" -lt "$BYTES" ]; do cat "$TPL" >>"$FILE.tmp"; done
	mv "$FILE.tmp" "$FILE"
fi
SIZE=$(size_of "$FILE")
EVLIST="$DATA/evtx-files"
: >"$EVLIST"
i=0
while [ $i -lt "$REP" ]; do
	find "$SHARED/evtx/mitre-attack-cc0" -name '*.evtx' | sort >>"$EVLIST"
	i=$((i + 1))
done
EVB=$(tr '\n' '\0' <"$EVLIST" | xargs -0 stat -c %s | awk '{ s += $1 } END { print s }')

# --- rule sets and literals ---------------------------------------------------
TEN="$DATA/rules-10"
rm -rf "$TEN" "$DATA/rules-all"
mkdir -p "$TEN"
ALL=""
for d in "$SHARED"/sigma/rules*; do ALL="$ALL --rules '$d'"; done
find "$SHARED/sigma/rules/windows/process_creation" -name '*.yml' | sort | head -n 10 | xargs -I{} cp {} "$TEN/"
LIT="$DATA/literals.txt"
python3 - "$SHARED/sigma" >"$LIT" <<'EOF'
import glob, os, re, sys, yaml
lits = set()
def atom(v):
    # undo Sigma escapes; split at unescaped wildcards; the longest literal run
    runs, cur, i = [], [], 0
    while i < len(v):
        c = v[i]
        if c == '\\' and i + 1 < len(v) and v[i + 1] in '*?\\':
            cur.append(v[i + 1]); i += 2; continue
        if c in '*?':
            runs.append(''.join(cur)); cur = []; i += 1; continue
        cur.append(c); i += 1
    runs.append(''.join(cur))
    return max(runs, key=len)
def walk(x, mods):
    if isinstance(x, dict):
        for k, v in x.items():
            ms = str(k).split('|')[1:]
            if any(m in ('re', 'cidr', 'base64', 'base64offset', 'wide', 'utf16', 'utf16le', 'utf16be', 'expand', 'fieldref') for m in ms):
                continue
            walk(v, ms)
    elif isinstance(x, list):
        for v in x:
            walk(v, mods)
    elif isinstance(x, str):
        a = atom(x)
        if a:
            lits.add(a)
for f in glob.glob(os.path.join(sys.argv[1], 'rules*', '**', '*.yml'), recursive=True):
    try:
        docs = list(yaml.safe_load_all(open(f, encoding='utf-8')))
    except Exception:
        continue
    for d in docs:
        if isinstance(d, dict) and isinstance(d.get('detection'), dict):
            for k, v in d['detection'].items():
                if k != 'condition':
                    walk(v, [])
for l in sorted(lits):
    if '\n' not in l:
        print(l)
EOF
say "$(wc -l <"$LIT") literal atoms"

# exit 3 (bad records in the input) and xargs' 123 (a child exited 1-125)
# count as done: the summary line on stderr says what was bad
# --- timing -------------------------------------------------------------------
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT INT TERM
say "warm-up"
cat "$FILE" >/dev/null
cat "$FILE" >/dev/null
tr '\n' '\0' <"$EVLIST" | xargs -0 cat >/dev/null

# t NAME BYTES CMD: queue a command; run_all times every queued command
# RUNS times, the commands in turns (run 1 of each, then run 2 ...), so that a
# slow minute of this shared VM falls on every command alike; the median by
# wall time -> $OUT/rows
NT=0
t() {
	NT=$((NT + 1))
	eval "TN_$NT=\$1; TB_$NT=\$2"
	shift 2
	eval "TC_$NT=\$*"
}
run_all() {
	for q in $(seq "$NT"); do : >"$OUT/runs.$q"; done
	k=0
	while [ $k -lt "$RUNS" ]; do
		for q in $(seq "$NT"); do
			eval "name=\$TN_$q; bytes=\$TB_$q; cmd=\$TC_$q"
			/usr/bin/time -v -o "$OUT/tv" sh -c "$cmd" 2>"$OUT/err" || { say "$name failed:"; cat "$OUT/err" >&2; cat "$OUT/tv" >&2; exit 1; }
			awk -v n="$name" -v b="$bytes" '
				/Elapsed \(wall clock\)/ { n2 = split($NF, p, ":"); w = (n2 == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
				/User time/ { u = $NF } /System time/ { s = $NF } /Maximum resident/ { r = $NF }
				END { printf "%s %.3f %.2f %.2f %d %d\n", n, w, u, s, r, b }' "$OUT/tv" >>"$OUT/runs.$q"
		done
		k=$((k + 1))
	done
	for q in $(seq "$NT"); do
		eval "name=\$TN_$q"
		sort -k2,2n "$OUT/runs.$q" | awk -v m=$(((RUNS + 1) / 2)) 'NR == m' >>"$OUT/rows"
		awk '{ printf "%s/", $2 }' "$OUT/runs.$q" | sed 's|/$||' >"$OUT/w.$name"
		cp "$OUT/runs.$q" "$OUT/all.$name"
		say "$(tail -n 1 "$OUT/rows")"
	done
}
HUNT="$PIN $SPOOR hunt -q --no-progress --no-default-rules"
# the compiled rule databases are cached between runs (docs/sigma.md,
# "Database cache"): fill the cache once, so every timed run is a warm one
CACHE_DIR=$OUT/rules-cache
HUNT="$HUNT --rules-cache '$CACHE_DIR'"
say "warm-up: compiling the rule databases into $CACHE_DIR"
# a little of each input, so that the keyword databases made per set of
# logsource groups (compiled on first use, then cached) are there too
head -c 4000000 "$FILE" | sed '$d' >"$OUT/warm.jsonl"
WARM_EVTX=$(head -n 40 "$EVLIST" | tr '\n' '\0' | xargs -0 printf "'%s' ")
sh -c "$HUNT $ALL '$OUT/warm.jsonl' $WARM_EVTX" >/dev/null 2>&1 || true
sh -c "$HUNT --rules '$TEN' '$OUT/warm.jsonl' $WARM_EVTX" >/dev/null 2>&1 || true
# start-up alone (loading and compiling the rules, an empty input): the
# part of each hunt below that does not grow with the input
: >"$OUT/empty.jsonl"
t hunt-start-10-rules 0 "$HUNT --rules '$TEN' '$OUT/empty.jsonl' > /dev/null"
t hunt-start-all-rules 0 "$HUNT $ALL '$OUT/empty.jsonl' > /dev/null"
t cat "$SIZE" "cat '$FILE' > /dev/null"
t rg-F-literals "$SIZE" "LC_ALL=C $PIN rg -F -c -f '$LIT' '$FILE' > /dev/null; true"
t hunt-10-rules "$SIZE" "$HUNT --rules '$TEN' '$FILE' > /dev/null || [ \$? = 3 ]"
t hunt-all-rules "$SIZE" "$HUNT $ALL '$FILE' > '$OUT/alerts-json' || [ \$? = 3 ]"
# issue 9: the same hunt with an inventory of 100 agencies and 500 providers
# (bench/gen-inventory.sh): enrichment of every event plus the provider-scope
# analytics
INV="$OUT/inventory-100-500.yml"
sh "$ROOT/bench/gen-inventory.sh" 100 500 >"$INV"
t hunt-all-rules-inventory "$SIZE" "$HUNT $ALL --inventory '$INV' '$FILE' > '$OUT/alerts-json-inv' || [ \$? = 3 ]"
t evtx-cat "$EVB" "tr '\\n' '\\0' < '$EVLIST' | xargs -0 cat > /dev/null"
t evtx-hunt-10-rules "$EVB" "tr '\\n' '\\0' < '$EVLIST' | xargs -0 $HUNT --rules '$TEN' > /dev/null || [ \$? = 123 ]"
t evtx-hunt-all-rules "$EVB" "tr '\\n' '\\0' < '$EVLIST' | xargs -0 $HUNT $ALL > '$OUT/alerts-evtx' || [ \$? = 123 ]"
run_all
ALERTS_JSON=$(wc -l <"$OUT/alerts-json")
ALERTS_EVTX=$(wc -l <"$OUT/alerts-evtx")
RULES_RUN=$("$SPOOR" rules check -q "$SHARED"/sigma/rules* | sed -n 's/.*; \([0-9]*\) run).*/\1/p')

# --- report -------------------------------------------------------------------
# paired A B: the median over rounds of A's CPU time (user + sys) over B's in
# the same round.  The two runs of a round are seconds apart; the VM runs at
# one of two speeds for minutes at a time (bench/NOTES.md), and a ratio of
# medians taken at different moments can mix them
paired() {
	paste -d' ' "$OUT/all.$1" "$OUT/all.$2" | awk '{ b = $9 + $10; if (b > 0) print ($3 + $4) / b }' |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else printf "0" }'
}
PJ=$(paired hunt-all-rules hunt-10-rules)
PE=$(paired evtx-hunt-all-rules evtx-hunt-10-rules)
PR=$(paired hunt-all-rules rg-F-literals)
PI=$(paired hunt-all-rules-inventory hunt-all-rules)
SEC="$OUT/section"
{
	echo "## Sigma hunt (bench/run-hunt.sh)"
	echo
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS runs, the commands in turns; every command pinned to one core (\`$PIN\`)"
	echo "- Windows JSON: $DATA/windows.jsonl, $SIZE bytes: $(wc -l <"$TPL") real Windows records (SigmaHQ regression events, OTRF Winlogbeat/NXLog) replicated; EVTX: the 281 files of mitre-attack-cc0 read $REP times ($EVB bytes)"
	echo "- rules: all = SigmaHQ rules* ($RULES_RUN rules run); 10 = the first 10 Windows process_creation rules; alerts with all rules: $ALERTS_JSON (JSON), $ALERTS_EVTX (EVTX); compiled databases read from the cache (\`--rules-cache\`, filled by a warm-up run)"
	echo "- rg-F-literals: \`LC_ALL=C rg -F -c -f LITERALS\` with the $(wc -l <"$LIT") literal atoms of all the rules (case-sensitive, whole-line scan: far less work than Sigma's per-field, case-insensitive matching)"
	echo
	echo "| run | wall s | MB/s (wall) | user s | sys s | MB/s (CPU) | peak RSS MiB | runs (wall s) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	while read -r n w u s r b; do
		awk -v n="$n" -v w="$w" -v u="$u" -v s="$s" -v r="$r" -v b="$b" -v runs="$(cat "$OUT/w.$n")" 'BEGIN {
			c = u + s; printf "| %s | %.2f | %.0f | %.2f | %.2f | %.0f | %.1f | %s |\n", n, w, (w > 0 ? b / w / 1e6 : 0), u, s, (c > 0 ? b / c / 1e6 : 0), r / 1024, runs }'
	done <"$OUT/rows"
	echo
	awk -v pj="$PJ" -v pe="$PE" -v pr="$PR" -v pi="$PI" '
	{ w[$1] = $2; c[$1] = $3 + $4; r[$1] = $5 / 1024 }
	function res(ok) { return ok ? "met" : "MISSED" }
	END {
		print "| target | wall clock (medians) | CPU time (medians) | CPU time, paired | result (CPU, paired) |"
		print "|---|---|---|---|---|"
		printf "| all rules <= 2x the time of 10 rules (JSON) | %.2fx | %.2fx | %.2fx | %s |\n", w["hunt-all-rules"] / w["hunt-10-rules"], c["hunt-all-rules"] / c["hunt-10-rules"], pj, res(pj <= 2)
		printf "| all rules <= 2x the time of 10 rules (EVTX) | %.2fx | %.2fx | %.2fx | %s |\n", w["evtx-hunt-all-rules"] / w["evtx-hunt-10-rules"], c["evtx-hunt-all-rules"] / c["evtx-hunt-10-rules"], pe, res(pe <= 2)
		printf "| all rules at least as fast as rg -F of the literals (JSON) | %.2fx rg time | %.2fx rg time | %.2fx rg time | %s |\n", w["hunt-all-rules"] / w["rg-F-literals"], c["hunt-all-rules"] / c["rg-F-literals"], pr, res(pr <= 1)
		printf "| (issue 9) inventory of 100 agencies, 500 providers: <= 15%% over the same hunt (JSON, all rules) | %+.1f%% | %+.1f%% | %+.1f%% | %s |\n", 100 * (w["hunt-all-rules-inventory"] / w["hunt-all-rules"] - 1), 100 * (c["hunt-all-rules-inventory"] / c["hunt-all-rules"] - 1), 100 * (pi - 1), res(pi <= 1.15)
		printf "| peak RSS <= 256 MiB (all rules, JSON) | %.1f MiB | | | %s |\n", r["hunt-all-rules"], res(r["hunt-all-rules"] <= 256)
		printf "| peak RSS <= 256 MiB (all rules, EVTX) | %.1f MiB | | | %s |\n", r["evtx-hunt-all-rules"], res(r["evtx-hunt-all-rules"] <= 256)
		printf "| (reference) start-up, empty input: all rules, 10 rules; its share of the all-rules hunt (JSON, EVTX) | %.2f s, %.2f s | %.2f s, %.2f s; %.0f%%, %.0f%% | | |\n", w["hunt-start-all-rules"], w["hunt-start-10-rules"], c["hunt-start-all-rules"], c["hunt-start-10-rules"], (c["hunt-all-rules"] > 0 ? 100 * c["hunt-start-all-rules"] / c["hunt-all-rules"] : 0), (c["evtx-hunt-all-rules"] > 0 ? 100 * c["hunt-start-all-rules"] / c["evtx-hunt-all-rules"] : 0)
	}' "$OUT/rows"
	echo
	echo "Paired: for each round, the CPU time of the first command over the second's (runs seconds apart, the commands in turns); the median of those ratios. The medians columns divide medians taken at different moments."
	echo
} >"$SEC"
# replace an earlier section of this script, keep the rest
if [ -f "$RES" ]; then
	awk -v sec="$SEC" '
		/^## Sigma hunt \(bench\/run-hunt.sh\)/ { skip = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }' "$RES" >"$OUT/res"
	# drop trailing blank lines, then the new section
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$OUT/res" >"$RES"
	echo >>"$RES"
fi
cat "$SEC" >>"$RES"
say "wrote the Sigma hunt section of $RES"
