#!/bin/sh
# bench/run-formats.sh BUILD — the text formats (syslog with program parsing,
# IIS W3C, Zeek TSV) and EVTX, beside cat and rg (and libevtx's evtxexport
# for EVTX), in one run after a warm-up; replaces its section of
# bench/RESULTS.md.  Called by `make bench` after bench/run.sh.
#
# Inputs are built from real data in $SPOOR_SHARED_DATA (reused when present):
#   syslog.log  ~200 MB: the real EC2 auth.log plus fail2ban's Postfix and
#               Dovecot lines, repeated with the day of month varied;
#   iis.log     ~200 MB: W3C header plus IIS/OWA lines (tests' own sample
#               lines with varied client addresses);
#   zeek.log    ~200 MB: wrccdc's real dns.log (TSV) data lines repeated
#               under its header;
#   EVTX        the 281 files of evtx/mitre-attack-cc0 (27 MB, as they are);
#   big.evtx    ~200 MB: one file of every chunk of evtx/ (parser-edgecases
#               and mitre-attack-cc0), repeated (bench/mk-big-evtx.py), for
#               the -j 1 / -j 2 figures;
#   clean.evtx  ~100 MB: the same from four clean samples evtxexport reads
#               whole (security, system, Security_with_size_t, irregular
#               bool values; it gives up on a whole file at its first
#               unsupported token), for spoor vs evtxexport on one file.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
case $BUILD in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
DATA=${BENCH_DATA:-$ROOT/bench/data}
SHARED=${SPOOR_SHARED_DATA:-$ROOT/../shared/data}
RUNS=${BENCH_RUNS:-3}
TEXT_BYTES=${BENCH_TEXT_BYTES:-200000000}
SPOOR="$BUILD/src/cli/spoor"
PARSE="$BUILD/bench/bench-parse"
RES="$ROOT/bench/RESULTS.md"
say() { printf '%s\n' "bench: $*" >&2; }
[ -d "$SHARED" ] || { say "shared data not found at $SHARED (set SPOOR_SHARED_DATA)"; exit 1; }
mkdir -p "$DATA"

# repeat FILE_OUT BYTES: stdin (the unit) repeated up to BYTES, with awk
# varying digits so lines are not all identical.
grow() {
	out=$1 bytes=$2
	unit=$(mktemp)
	cat >"$unit"
	usz=$(stat -c %s "$unit")
	n=$((bytes / usz + 1))
	awk -v n="$n" 'BEGIN { while ((getline l < ARGV[1]) > 0) lines[++k] = l; for (i = 0; i < n; i++) for (j = 1; j <= k; j++) { s = lines[j]; if (i) gsub(/ 1[0-9] /, " " (10 + i % 9) " ", s); print s } ; exit }' "$unit" >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -f "$unit"
}

SYSLOG="$DATA/syslog.log"
if [ ! -s "$SYSLOG" ]; then
	say "building $SYSLOG"
	{
		cat "$SHARED/logs/authlog-elastic/data/auth.log"
		grep -hv '^#' "$SHARED/logs/fail2ban/postfix" "$SHARED/logs/fail2ban/dovecot" 2>/dev/null | grep -E '^[A-Z][a-z]{2} ' || true
	} | grow "$SYSLOG" "$TEXT_BYTES"
fi
IIS="$DATA/iis.log"
if [ ! -s "$IIS" ]; then
	say "building $IIS"
	{
		echo "#Software: Microsoft Internet Information Services 10.0"
		echo "#Version: 1.0"
		echo "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
		awk 'BEGIN { srand(7); for (i = 0; i < 2000000; i++) {
			u = (i % 3 == 0) ? "/owa/auth.owa" : (i % 3 == 1) ? "/EWS/Exchange.asmx" : "/Microsoft-Server-ActiveSync/default.eas";
			printf "2024-03-%02d %02d:%02d:%02d 10.0.0.5 POST %s Cmd=Sync&User=u%d 443 user%d@agency.gov.example 203.0.%d.%d Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - %d 0 0 %d\n",
				1 + i % 28, i % 24, i % 60, (i * 7) % 60, u, i % 500, i % 500, i % 250, (i * 13) % 250, (i % 10 == 0) ? 401 : 200, i % 900 }
		}'
	} >"$IIS.tmp"
	mv "$IIS.tmp" "$IIS"
fi
ZEEK="$DATA/zeek-dns.log"
if [ ! -s "$ZEEK" ]; then
	say "building $ZEEK"
	src=$(mktemp)
	zcat "$SHARED/network/zeek-wrccdc/zeek-default/dns.log.gz" >"$src"
	grep -v '^#' "$src" | grow "$DATA/zeek-body.tmp" "$TEXT_BYTES"
	{
		grep '^#' "$src" | grep -v '^#close'
		cat "$DATA/zeek-body.tmp"
	} >"$ZEEK.tmp"
	mv "$ZEEK.tmp" "$ZEEK"
	rm -f "$src" "$DATA/zeek-body.tmp"
fi
EVTXDIR="$SHARED/evtx/mitre-attack-cc0"
BIGEVTX="$DATA/big.evtx"
if [ ! -s "$BIGEVTX" ]; then
	say "building $BIGEVTX"
	python3 "$ROOT/bench/mk-big-evtx.py" "$SHARED/evtx" "$BIGEVTX" "${BENCH_EVTX_BYTES:-200000000}" >&2
fi
CLEANEVTX="$DATA/clean.evtx"
if [ ! -s "$CLEANEVTX" ]; then
	say "building $CLEANEVTX"
	S="$SHARED/evtx/parser-edgecases/samples"
	python3 "$ROOT/bench/mk-big-evtx.py" "$S/security.evtx,$S/system.evtx,$S/Security_with_size_t.evtx,$S/sample-with-irregular-bool-values.evtx" "$CLEANEVTX" "${BENCH_EVTX_CLEAN_BYTES:-100000000}" >&2
fi

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT INT TERM
# t NAME BYTES CMD...: queue a command; run_all times every queued command
# RUNS times, the commands in turns (run 1 of each, then run 2 ...), so that a
# slow minute of this shared VM falls on every command alike (the EVTX target
# is a ratio of two of them); median wall and user+sys -> $OUT/rows
NT=0
t() {
	NT=$((NT + 1))
	eval "TN_$NT=\$1; TB_$NT=\$2"
	shift 2
	# the command's words, each single-quoted for sh -c
	c=""
	for w in "$@"; do
		c="$c '$(printf '%s' "$w" | sed "s/'/'\\\\''/g")'"
	done
	eval "TC_$NT=\$c"
}
run_all() {
	for q in $(seq "$NT"); do : >"$OUT/times.$q"; : >"$OUT/ev.$q"; done
	: >"$OUT/least"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		for q in $(seq "$NT"); do
			eval "cmd=\$TC_$q"
			/usr/bin/time -f '%e %U %S %M' -o "$OUT/t" sh -c "$cmd" >"$OUT/out" 2>"$OUT/err" || true
			# a command that exits non-zero (spoor's 3: bad records in the
			# input; xargs' 123) makes time(1) write "Command exited with
			# non-zero status N" before the figures: keep the figures only
			grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$OUT/t" >>"$OUT/times.$q" || true
			# events: summed over the processes xargs started
			awk '$1 == "events" { s += $2 } END { print s + 0 }' "$OUT/out" >"$OUT/ev.$q"
		done
		i=$((i + 1))
	done
	for q in $(seq "$NT"); do
		eval "name=\$TN_$q; bytes=\$TB_$q"
		med=$(sort -n "$OUT/times.$q" | sed -n "$(((RUNS + 1) / 2))p")
		# and the least CPU (user + sys) of the runs: the run this VM
		# disturbed least (identical runs of bench-parse differ by 1.7x)
		awk -v n="$name" '{ c = $2 + $3; if (NR == 1 || c < m) m = c } END { print n, m }' "$OUT/times.$q" >>"$OUT/least"
		ev=$(cat "$OUT/ev.$q")
		echo "$name $med $bytes ${ev:-0}" >>"$OUT/rows"
		say "$(echo "$name $med $bytes" | awk '{printf "%-22s %7.2f s  %8.1f MB/s wall  %8.1f MB/s CPU  %5.0f MiB", $1, $2, $6 / $2 / 1e6, $6 / ($3 + $4 + 1e-9) / 1e6, $5 / 1024}')"
	done
}
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"

for f in "$SYSLOG" "$IIS" "$ZEEK"; do
	cat "$f" >/dev/null
	cat "$f" >/dev/null
done
sz() { stat -c %s "$1"; }
t syslog-cat-baseline "$(sz "$SYSLOG")" cat "$SYSLOG"
t syslog-rg-regex "$(sz "$SYSLOG")" sh -c "rg -c 'Failed password for (invalid user )?\\S+ from [0-9.]+' '$SYSLOG' >/dev/null || true"
t syslog-spoor-parse "$(sz "$SYSLOG")" $PIN "$PARSE" scan "$SYSLOG"
t syslog-spoor-cat "$(sz "$SYSLOG")" sh -c "$PIN '$SPOOR' cat -q --no-progress '$SYSLOG' >/dev/null"
t w3c-cat-baseline "$(sz "$IIS")" cat "$IIS"
t w3c-rg-regex "$(sz "$IIS")" sh -c "rg -c ' /owa/auth\\.owa .* 401 ' '$IIS' >/dev/null || true"
t w3c-spoor-parse "$(sz "$IIS")" $PIN "$PARSE" scan "$IIS"
t w3c-spoor-cat "$(sz "$IIS")" sh -c "$PIN '$SPOOR' cat -q --no-progress '$IIS' >/dev/null"
t zeek-cat-baseline "$(sz "$ZEEK")" cat "$ZEEK"
t zeek-rg-regex "$(sz "$ZEEK")" sh -c "rg -c '\\tNXDOMAIN\\t' '$ZEEK' >/dev/null || true"
t zeek-spoor-parse "$(sz "$ZEEK")" $PIN "$PARSE" scan "$ZEEK"
t zeek-spoor-cat "$(sz "$ZEEK")" sh -c "$PIN '$SPOOR' cat -q --no-progress '$ZEEK' >/dev/null"

# EVTX: the corpus read EVTX_REPEAT times (default 5, ~270 MB) by every
# tool, so that start-up costs do not dominate
REP=${EVTX_REPEAT:-5}
EVB1=$(find "$EVTXDIR" -name '*.evtx' -printf '%s\n' | awk '{s += $1} END {print s}')
EVB=$((EVB1 * REP))
find "$EVTXDIR" -name '*.evtx' -print0 | xargs -0 cat >/dev/null
find "$EVTXDIR" -name '*.evtx' | sort >"$OUT/evtx-once"
: >"$OUT/evtx-files"
k=0
while [ "$k" -lt "$REP" ]; do
	cat "$OUT/evtx-once" >>"$OUT/evtx-files"
	k=$((k + 1))
done
split -n l/2 "$OUT/evtx-files" "$OUT/evtx-half."
t evtx-spoor-parse-1core "$EVB" sh -c "tr '\\n' '\\0' < '$OUT/evtx-files' | $PIN xargs -0 '$PARSE' scan"
t evtx-spoor-cat-1core "$EVB" sh -c "tr '\\n' '\\0' < '$OUT/evtx-files' | $PIN xargs -0 '$SPOOR' cat -q --no-progress >/dev/null"
# two cores: the file list in two halves, one spoor process each (spoor has
# no -j yet: this is the process-level figure)
t evtx-spoor-cat-2procs "$EVB" sh -c "for h in '$OUT'/evtx-half.*; do tr '\\n' '\\0' < \"\$h\" | xargs -0 '$SPOOR' cat -q --no-progress >/dev/null & done; wait"
# One large file, decoded by one thread and by two (-j): spoor stats (decode,
# events, ECS, counting) and spoor cat (JSON out).
cat "$BIGEVTX" >/dev/null
BIGREC=$("$SPOOR" stats --json -q --no-progress "$BIGEVTX" 2>/dev/null | sed -n 's/.*"records":\([0-9]*\).*/\1/p')
PIN2=""
command -v taskset >/dev/null && PIN2="taskset -c 0,1"
t evtx-big-stats-j1 "$(sz "$BIGEVTX")" sh -c "$PIN '$SPOOR' stats -q --no-progress -j 1 '$BIGEVTX' >/dev/null"
t evtx-big-stats-j2 "$(sz "$BIGEVTX")" sh -c "$PIN2 '$SPOOR' stats -q --no-progress -j 2 '$BIGEVTX' >/dev/null"
t evtx-big-cat-j1 "$(sz "$BIGEVTX")" sh -c "$PIN '$SPOOR' cat -q --no-progress -j 1 '$BIGEVTX' >/dev/null"
t evtx-big-cat-j2 "$(sz "$BIGEVTX")" sh -c "$PIN2 '$SPOOR' cat -q --no-progress -j 2 '$BIGEVTX' >/dev/null"
t evtx-clean-stats-j1 "$(sz "$CLEANEVTX")" sh -c "$PIN '$SPOOR' stats -q --no-progress -j 1 '$CLEANEVTX' >/dev/null"
t evtx-clean-cat-j1 "$(sz "$CLEANEVTX")" sh -c "$PIN '$SPOOR' cat -q --no-progress -j 1 '$CLEANEVTX' >/dev/null"
if command -v evtxexport >/dev/null; then
	t evtx-clean-evtxexport-1core "$(sz "$CLEANEVTX")" sh -c "$PIN evtxexport -f xml '$CLEANEVTX' >/dev/null 2>&1; true"
	t evtx-evtxexport-1core "$EVB" sh -c "tr '\\n' '\\0' < '$OUT/evtx-files' | $PIN xargs -0 -n 1 evtxexport -f xml >/dev/null 2>&1; true"
else
	say "evtxexport missing (Debian libevtx-utils): EVTX baseline skipped"
fi
run_all

{
	echo
	echo "## Text formats and EVTX (bench/run-formats.sh)"
	echo
	echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS runs, the commands in turns; spoor pinned to one core with taskset"
	echo "- syslog: $(sz "$SYSLOG") bytes (real auth.log + Postfix/Dovecot lines, repeated); W3C: $(sz "$IIS") bytes of IIS/OWA/EWS/ActiveSync lines; Zeek: $(sz "$ZEEK") bytes of wrccdc dns.log TSV; EVTX: the 281 real files of mitre-attack-cc0 read $REP times ($EVB bytes)"
	echo "- spoor-parse = the scanner with format detection and program parsers, no output (bench-parse scan); spoor-cat = JSON lines to /dev/null"
	echo "- big.evtx: $(sz "$BIGEVTX") bytes, every chunk of evtx/ repeated (bench/mk-big-evtx.py); $BIGREC records (carved ones included); -j 2 runs on two cores (taskset -c 0,1)"
	echo
	echo "| run | wall s | MB/s (wall) | MB/s (CPU) | events/s (wall) | peak RSS MiB |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk '{ cpu = $3 + $4; printf "| %s | %.2f | %.0f | %.0f | %s | %.1f |\n", $1, $2, $6 / $2 / 1e6, (cpu > 0 ? $6 / cpu / 1e6 : 0), ($7 > 0 ? sprintf("%.0f", $7 / $2) : "-"), $5 / 1024 }' "$OUT/rows"
	echo
	awk -v rec="${BIGREC:-0}" -v runs="$RUNS" '
	FNR == NR { l[$1] = $2; next }
	{ w[$1] = $2; c[$1] = $3 + $4; b[$1] = $6 }
	END {
		print "| target | measured (wall) | measured (CPU) | result (CPU) |"
		print "|---|---|---|---|"
		if ("syslog-spoor-parse" in w)
			printf "| syslog with program parsing >= 200 MB/s, one core | %.0f MB/s | %.0f MB/s | %s |\n", b["syslog-spoor-parse"] / w["syslog-spoor-parse"] / 1e6, b["syslog-spoor-parse"] / c["syslog-spoor-parse"] / 1e6, (b["syslog-spoor-parse"] / c["syslog-spoor-parse"] / 1e6 >= 200 ? "met" : "MISSED")
		if ("evtx-evtxexport-1core" in w && "evtx-spoor-parse-1core" in w)
			printf "| EVTX >= 20x evtxexport, one core (spoor-parse: the scanner, no output) | %.1fx | %.1fx | %s |\n", w["evtx-evtxexport-1core"] / w["evtx-spoor-parse-1core"], c["evtx-evtxexport-1core"] / c["evtx-spoor-parse-1core"], (c["evtx-evtxexport-1core"] / c["evtx-spoor-parse-1core"] >= 20 ? "met" : "MISSED")
		if (("evtx-evtxexport-1core" in l) && ("evtx-spoor-parse-1core" in l) && l["evtx-spoor-parse-1core"] > 0)
			printf "| the same, least CPU of the %d runs of each | | %.1fx (%.2f s vs %.2f s) | %s |\n", runs, l["evtx-evtxexport-1core"] / l["evtx-spoor-parse-1core"], l["evtx-spoor-parse-1core"], l["evtx-evtxexport-1core"], (l["evtx-evtxexport-1core"] / l["evtx-spoor-parse-1core"] >= 20 ? "met" : "MISSED")
		if ("evtx-big-stats-j1" in w && "evtx-big-stats-j2" in w)
			printf "| EVTX big file: spoor stats -j 2 vs -j 1 (wall) | %.0f -> %.0f MB/s, %.0f -> %.0f records/s | %.2fx | (reference) |\n", b["evtx-big-stats-j1"] / w["evtx-big-stats-j1"] / 1e6, b["evtx-big-stats-j2"] / w["evtx-big-stats-j2"] / 1e6, rec / w["evtx-big-stats-j1"], rec / w["evtx-big-stats-j2"], w["evtx-big-stats-j1"] / w["evtx-big-stats-j2"]
		if ("evtx-big-cat-j1" in w && "evtx-big-cat-j2" in w)
			printf "| EVTX big file: spoor cat -j 2 vs -j 1 (wall) | %.0f -> %.0f MB/s | %.2fx | (reference) |\n", b["evtx-big-cat-j1"] / w["evtx-big-cat-j1"] / 1e6, b["evtx-big-cat-j2"] / w["evtx-big-cat-j2"] / 1e6, w["evtx-big-cat-j1"] / w["evtx-big-cat-j2"]
		if ("evtx-clean-evtxexport-1core" in w && "evtx-clean-stats-j1" in w)
			printf "| EVTX one clean 100 MB file: spoor stats vs evtxexport, one core | %.1fx | %.1fx | %s |\n", w["evtx-clean-evtxexport-1core"] / w["evtx-clean-stats-j1"], c["evtx-clean-evtxexport-1core"] / c["evtx-clean-stats-j1"], (c["evtx-clean-evtxexport-1core"] / c["evtx-clean-stats-j1"] >= 20 ? "met" : "MISSED")
		if ("evtx-clean-evtxexport-1core" in w && "evtx-clean-cat-j1" in w)
			printf "| EVTX one clean 100 MB file: spoor cat (JSON) vs evtxexport (XML), one core | %.1fx | %.1fx | (reference) |\n", w["evtx-clean-evtxexport-1core"] / w["evtx-clean-cat-j1"], c["evtx-clean-evtxexport-1core"] / c["evtx-clean-cat-j1"]
		if ("evtx-evtxexport-1core" in w && "evtx-spoor-cat-1core" in w)
			printf "| EVTX spoor cat (JSON out) vs evtxexport (XML out), one core | %.1fx | %.1fx | (reference) |\n", w["evtx-evtxexport-1core"] / w["evtx-spoor-cat-1core"], c["evtx-evtxexport-1core"] / c["evtx-spoor-cat-1core"]
	}' "$OUT/least" "$OUT/rows"
} >"$OUT/section"
# replace an earlier section of this script, keep the rest
if [ -f "$RES" ]; then
	awk '
		/^## Text formats and EVTX \(bench\/run-formats.sh\)/ { skip = 1; next }
		skip && /^## / { skip = 0 }
		!skip { print }' "$RES" >"$OUT/res"
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$OUT/res" >"$RES"
fi
cat "$OUT/section" >>"$RES"
say "wrote the text formats and EVTX section of $RES"
