#!/bin/sh
# evidence-cli.sh — `spoor evidence` and `spoor hunt --evidence` end to end:
# help and usage exit codes, init/add/show/prove/check-proof, alerts carrying
# spoor.evidence.leaf whose leaf is the alert's record, and the exact verify
# messages for a changed leaf, a deleted bundle, a forged and a rolled-back
# checkpoint.
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN}
SRC=${SPOOR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d /tmp/spoor-evcli.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fail() { echo "evidence-cli: FAIL: $*" >&2; exit 1; }
ok() { n=$((n + 1)); }

for sub in init add verify prove check-proof show witness-request witness cosign; do
	"$SPOOR" evidence "$sub" --help >/dev/null || fail "$sub --help"
	ok
done
"$SPOOR" evidence --help >/dev/null || fail "evidence --help"
set +e
"$SPOOR" evidence nosuch >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown subcommand: exit 2"
"$SPOOR" evidence prove "$T/none" >/dev/null 2>&1; [ $? -eq 2 ] || fail "prove without --leaf: exit 2"
"$SPOOR" evidence verify "$T/none" >/dev/null 2>&1; [ $? -eq 1 ] || fail "verify of a missing store: exit 1"
set -e
ok

# a store fed by hunt: Windows events from the test cases, one rule
"$SPOOR" evidence init "$T/st" --key-name cli.example/log >"$T/vk" 2>/dev/null
cmp -s "$T/vk" "$T/st/vkey" || fail "init prints the vkey"
set +e
"$SPOOR" evidence init "$T/st" >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "init of a non-empty directory: exit 2 (got $rc)"
CASE="$SRC/tests/cases/hunt/spoor-rules"
"$SPOOR" hunt -q --no-progress --evidence "$T/st" --rules "$SRC/rules" "$CASE/fire.json" "$CASE/quiet.json" >"$T/alerts"
[ -s "$T/alerts" ] || fail "hunt --evidence gave no alerts"
while IFS= read -r a; do
	leaf=$(printf '%s\n' "$a" | sed -n 's/.*"spoor.evidence.leaf":\([0-9]*\).*/\1/p')
	[ -n "$leaf" ] || fail "alert without spoor.evidence.leaf: $a"
	off=$(printf '%s\n' "$a" | sed -n 's/.*"log.offset":\([0-9]*\).*/\1/p')
	"$SPOOR" evidence show "$T/st" --leaf "$leaf" >"$T/show"
	grep -q "\"offset\":$off," "$T/show" || fail "leaf $leaf is not the alert's record (offset $off): $(cat "$T/show")"
	"$SPOOR" evidence show "$T/st" --leaf "$leaf" --raw >"$T/raw"
	grep -qxF -f "$T/raw" "$CASE/fire.json" || fail "leaf $leaf raw bytes are not a record of the input"
	ok
done <"$T/alerts"
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >"$T/v" 2>&1 || fail "verify: $(cat "$T/v")"
grep -q '^OK: ' "$T/v" || fail "verify prints OK"

# more data, then the tamper messages
awk 'BEGIN { for (i = 0; i < 1200; i++) printf "Nov 29 12:%02d:%02d h1 sshd[%d]: Failed password for root from 198.51.100.%d port %d ssh2\n", int(i/60)%60, i%60, 100+i, i%250, 3000+i }' >"$T/b.log"
"$SPOOR" evidence add "$T/st" -q --checkpoint-records 500 "$T/b.log"
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >/dev/null 2>&1 || fail "verify after add"
# bundles at another zstd level in the same store (any frame is a bundle);
# the default's bundles (raw literals) are plain zstd frames for the zstd tool
awk 'BEGIN { for (i = 0; i < 300; i++) printf "Nov 29 13:%02d:%02d h2 sshd[%d]: Accepted password for u%d\n", int(i/60)%60, i%60, 100+i, i }' >"$T/c.log"
"$SPOOR" evidence add "$T/st" -q --zstd-level 5 "$T/c.log"
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >/dev/null 2>&1 || fail "verify after add --zstd-level 5"
set +e
"$SPOOR" evidence add "$T/st" -q --zstd-level 20 "$T/c.log" >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "--zstd-level 20: exit 2 (got $rc)"
if command -v zstd >/dev/null 2>&1; then
	zstd -q -t "$T/st/tile/entries/000" || fail "a default bundle is not a zstd frame the zstd tool reads"
fi
ok
size=$(sed -n 2p "$T/st/checkpoint")
"$SPOOR" evidence prove "$T/st" --leaf 700 >"$T/p"
"$SPOOR" evidence check-proof --key "$T/st/vkey" "$T/p" >/dev/null || fail "check-proof"
ok

expect_problem() { # DESCRIPTION PATTERN: verify must exit 1 and print PATTERN
	set +e
	"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >"$T/v" 2>&1
	rc=$?
	set -e
	[ $rc -eq 1 ] || fail "$1: verify exit $rc: $(cat "$T/v")"
	grep -q "$2" "$T/v" || fail "$1: no \"$2\" in: $(cat "$T/v")"
	ok
}
cp -a "$T/st" "$T/orig"
restore() { rm -rf "$T/st"; cp -a "$T/orig" "$T/st"; }

# one byte of leaf 300 (bundle 1, entry 44): decompress, flip, recompress
f="$T/st/tile/entries/001"
zstd -q -d -c "$f" >"$T/bun"
python3 - "$T/bun" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); o = 0
for i in range(44):
    o += 2 + (b[o] << 8 | b[o + 1])
b[o + 2 + 60] ^= 1
open(p, 'wb').write(b)
EOF
zstd -q -f "$T/bun" -o "$f"
expect_problem "changed leaf" "changed-leaf: leaf 300 changed"
restore
rm "$T/st/tile/entries/002"
expect_problem "deleted bundle" "missing-leaf: tile/entries/002 deleted: leaves 512-767"
restore
rm "$T/st/tile/entries/"*.p/*
expect_problem "truncation" "truncated: store truncated"
restore
sed -i '2s/$/0/' "$T/st/checkpoint"
expect_problem "checkpoint edited" "bad-signature: checkpoint: bad signature by cli.example/log"
restore
old=$(ls "$T/st/history" | sed -n 2p)
cp "$T/st/history/$old" "$T/st/checkpoint"
expect_problem "rollback" "rollback: checkpoint rolled back: the latest checkpoint has size"
restore
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >/dev/null 2>&1 || fail "restored store verifies"
# between two hunts over the same store: truncated, replaced, rotated
mkdir "$T/logs"
gen() { awk -v s="$1" -v n="$2" 'BEGIN { for (i = s; i < s + n; i++) printf "Nov 29 13:%02d:%02d h2 sshd[%d]: Accepted password for u%d from 203.0.113.%d port %d ssh2\n", int(i/60)%60, i%60, 100+i, i%9, i%250, 4000+i }'; }
gen 0 100 >"$T/logs/auth.log"
"$SPOOR" evidence init "$T/st2" >/dev/null 2>&1
# the year is given: year-less syslog times must not depend on the clock
hunt2() { "$SPOOR" hunt -q --no-progress --year 2024 --evidence "$T/st2" "$T/logs" 2>/dev/null; }
[ -z "$(hunt2)" ] || fail "first run: no alert expected"
head -n 60 "$T/logs/auth.log" >"$T/x" && mv "$T/x" "$T/logs/auth.log"
hunt2 | grep -q '"rule.id":"spoor-tracks-log-truncated"' || fail "truncation between runs not detected"
ok
gen 1000 80 >"$T/logs/auth.log"
hunt2 | grep -q '"rule.id":"spoor-tracks-log-replaced"' || fail "replacement between runs not detected"
ok
mv "$T/logs/auth.log" "$T/logs/auth.log.1"
gen 2000 50 >"$T/logs/auth.log"
out=$(hunt2)
[ -z "$out" ] || fail "a proper rotation raised: $out"
gen 2050 30 >>"$T/logs/auth.log"
[ -z "$(hunt2)" ] || fail "an appended file raised an alert"
ok
"$SPOOR" evidence verify "$T/st2" >/dev/null 2>&1 || fail "st2 verifies"
# a record too big for a leaf entry goes to blobs/, and is checked there
python3 -c "import json; print(json.dumps({'EventID': 1, 'big': 'x' * 100000}))" >"$T/big.jsonl"
"$SPOOR" evidence init "$T/st3" >/dev/null 2>&1
"$SPOOR" evidence add "$T/st3" -q "$T/big.jsonl"
"$SPOOR" evidence show "$T/st3" --leaf 0 --raw >"$T/bigraw"
head -c 100030 "$T/big.jsonl" | tr -d '\n' | cmp -s - "$T/bigraw" || fail "blob record read back"
"$SPOOR" evidence verify "$T/st3" >/dev/null 2>&1 || fail "blob store verifies"
for b in "$T"/st3/blobs/*; do printf 'y' | dd of="$b" bs=1 seek=500 conv=notrunc 2>/dev/null; done
set +e
"$SPOOR" evidence verify "$T/st3" >"$T/v" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "changed-leaf: leaf 0: its record (blobs/" "$T/v" || fail "changed blob: $(cat "$T/v")"
ok
echo "evidence-cli: $n checks passed (store of $size leaves)"
