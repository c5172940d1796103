#!/bin/sh
# Run every libFuzzer target in BUILD/tests/fuzz for SECONDS each.
#
#   sh scripts/fuzz.sh BUILD SECONDS
#
# Each target starts from its seed corpus (tests/fuzz/corpus/<name>/, read
# only; regress/<name>/ is replayed by `make test`, not fuzzed), and writes new units to a scratch corpus
# under ${FUZZ_WORK:-/tmp/spoor-fuzz}/<name>/ (never into the repo).  It runs
# in fork mode with -ignore_crashes, so one known crash does not end the
# run: every distinct crash/leak/timeout/oom input found is copied into
# tests/fuzz/regress/<name>/ (where `make test` replays it) and listed.
# Prints per target: runs, coverage, features, corpus, crashes.  Exit status
# 1 if any target crashed.
set -u
BUILD=${1:?usage: fuzz.sh BUILD SECONDS}
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${FUZZ_WORK:-/tmp/spoor-fuzz}
MAX_COPY=${FUZZ_MAX_COPY:-5} # crash inputs copied to regress/ per target
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

found=0
summary=""
for bin in "$BUILD"/tests/fuzz/fuzz-*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	name=${bin##*/fuzz-}
	corpus="$WORK/$name/corpus"
	art="$WORK/$name/artifacts/"
	log="$WORK/$name/fuzz.log"
	rm -rf "$art"
	mkdir -p "$corpus" "$art"
	seeds="$ROOT/tests/fuzz/corpus/$name"
	regress="$ROOT/tests/fuzz/regress/$name"
	dirs="$corpus"
	[ -d "$seeds" ] && dirs="$dirs $seeds"
	maxlen=65536
	# EVTX: two chunks and a file header, so that chunks decode in worker
	# threads and a chunk follows a carved one.
	[ "$name" = evtx ] && maxlen=140000
	# Real files as seeds are read where they are (the shared data), never
	# copied into the repository: the EVTX parser edge cases.
	shared=${SPOOR_SHARED_DATA:-$ROOT/../shared/data}
	# sigma-match also loads SigmaHQ's rules from there when it exists
	[ -d "$shared" ] && export SPOOR_SHARED_DATA="$shared"
	[ "$name" = evtx ] && [ -d "$shared/evtx/parser-edgecases/samples" ] &&
		dirs="$dirs $shared/evtx/parser-edgecases/samples"
	echo "fuzz: $name for ${SECONDS_EACH}s (log: $log)"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len="$maxlen" \
		-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-artifact_prefix="$art" -print_final_stats=1 $dirs >"$log" 2>&1
	# Fork mode status lines: "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: O/T/X time: S"
	last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
	runs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	otc=$(echo "$last" | sed -n 's/.*oom\/timeout\/crash: \([0-9\/]*\).*/\1/p')
	if [ -z "$runs" ]; then
		# Non-fork fallback format: "#N DONE cov: C ft: F corp: K/..."
		last=$(grep -E '^#[0-9]+' "$log" | tail -1)
		runs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
		cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	fi
	ncrash=0
	copied=""
	for f in "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-*; do
		[ -f "$f" ] || continue
		ncrash=$((ncrash + 1))
		if [ "$ncrash" -le "$MAX_COPY" ]; then
			mkdir -p "$regress"
			cp "$f" "$regress/"
			copied="$copied ${f##*/}"
		fi
	done
	line=$(printf '%-12s runs %10s  cov %6s  ft %6s  corpus %6s  oom/timeout/crash %s  crash inputs %d' \
		"$name" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${otc:-0/0/0}" "$ncrash")
	echo "$line"
	summary="$summary$line
"
	if [ "$ncrash" -gt 0 ]; then
		found=1
		echo "  copied to tests/fuzz/regress/$name/:$copied"
		# Classify: replay each input once and keep its first error line.
		for f in "$art"crash-* "$art"leak-* "$art"timeout-* "$art"oom-*; do
			[ -f "$f" ] || continue
			timeout 30 "$bin" "$f" 2>&1 | grep -m1 -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|invariant failed|depend on read size' |
				sed 's/==[0-9]*==//; s/0x[0-9a-f]*/0x.../g; s/ on address .*//; s/chunk [0-9]*/chunk N/'
		done | sort | uniq -c | sort -rn | head -8 | sed 's/^/  /'
	fi
done
echo
echo "fuzz summary (${SECONDS_EACH}s per target):"
printf '%s' "$summary"
exit $found
