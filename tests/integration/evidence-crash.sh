#!/bin/sh
# evidence-crash.sh — kill -9 `spoor evidence add` at random moments, again
# and again (default 50 times), and check after each kill that the store
#   - reopens (the next add starts),
#   - verifies (`spoor evidence verify` exits 0),
#   - never shrinks: the checkpointed size only grows, and every checkpoint
#     seen before is still in history/ byte for byte,
#   - holds exact input records (a random checkpointed leaf is a line of the
#     input, read back through its inclusion proof).
# Usage: evidence-crash.sh [ROUNDS]   (SPOOR_BIN = the spoor binary)
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN}
ROUNDS=${1:-50}
T=$(mktemp -d /tmp/spoor-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "evidence-crash: FAIL: $*" >&2; exit 1; }

# 60,000 syslog lines (about 8 MB), all distinct
awk 'BEGIN { for (i = 0; i < 60000; i++)
	printf "Nov 29 10:%02d:%02d host%d sshd[%d]: Accepted publickey for user%d from 10.1.%d.%d port %d ssh2\n",
		int(i / 60) % 60, i % 60, i % 37, 1000 + i, i % 500, int(i / 250) % 250, i % 250, 1024 + i }' >"$T/in.log"
"$SPOOR" evidence init "$T/st" --key-name crash.example/log >/dev/null 2>&1
mkdir "$T/seen"
prev=0
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	i=$((i + 1))
	"$SPOOR" evidence add "$T/st" -q --checkpoint-records 1500 --checkpoint-seconds 0 "$T/in.log" \
		>/dev/null 2>"$T/add.err" &
	pid=$!
	# 0-600 ms: before the first checkpoint, between checkpoints, during one
	ms=$(($(rnd) % 600))
	sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if grep -q "cannot\|corrupt\|does not match" "$T/add.err"; then
		fail "round $i: add failed: $(cat "$T/add.err")"
	fi
	if ! "$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >"$T/v.out" 2>"$T/v.err"; then
		fail "round $i (killed after ${ms} ms): verify: $(cat "$T/v.out" "$T/v.err")"
	fi
	size=$(sed -n 2p "$T/st/checkpoint")
	[ "$size" -ge "$prev" ] || fail "round $i: checkpoint went back from $prev to $size"
	# every checkpoint seen so far is still there, unchanged: in history/,
	# or — when the kill came between writing `checkpoint` and its history
	# copy, which the next open repairs — as the current checkpoint itself
	for f in "$T"/seen/*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$T/st/history/$(basename "$f")" || cmp -s "$f" "$T/st/checkpoint" ||
			fail "round $i: history/$(basename "$f") changed or lost"
	done
	cp "$T/st/checkpoint" "$T/seen/$(printf '%020d' "$size")" 2>/dev/null || true
	# a checkpointed record, read back through its proof, is an input line
	if [ "$size" -gt 0 ]; then
		leaf=$(( ($(rnd) * 65536 + $(rnd)) % size ))
		"$SPOOR" evidence show "$T/st" --leaf "$leaf" --raw >"$T/rec" || fail "round $i: show --leaf $leaf"
		grep -qxF -f "$T/rec" "$T/in.log" || fail "round $i: leaf $leaf is not an input record"
	fi
	echo "round $i: killed after ${ms} ms, checkpointed size $size"
	prev=$size
done
# and a run to the end still works on the recovered store
"$SPOOR" evidence add "$T/st" -q "$T/in.log" >/dev/null 2>&1 || fail "final add"
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >/dev/null 2>&1 || fail "final verify"
echo "evidence-crash: $ROUNDS kills, the store reopened and verified every time; final size $(sed -n 2p "$T/st/checkpoint")"
