#!/bin/sh
# evidence-goverify.sh — interop with the independent Go verifier
# (../shared/tools/goverify, built offline on Debian's golang.org/x/mod):
# every checkpoint, cosignature, consistency proof and tlog-proof spoor
# writes is accepted by goverify; tampered ones are rejected by both.
# Skips (77) when Go or the goverify sources are missing.
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN}
SHARED=${SPOOR_SHARED_DATA:-}
SRC="$SHARED/../tools/goverify/main.go"
if ! command -v go >/dev/null 2>&1 || [ ! -f "$SRC" ] || [ ! -d /usr/share/gocode/src/golang.org/x/mod ]; then
	echo "evidence-goverify: needs go, golang-golang-x-mod-dev and $SRC; skipping"
	exit 77
fi
T=$(mktemp -d /tmp/spoor-goverify.XXXXXX)
trap 'rm -rf "$T"' EXIT
G="$T/goverify"
(cd "$(dirname "$SRC")" && GOCACHE="$T/gocache" GOPROXY=off GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
	go build -o "$G" main.go) || { echo "evidence-goverify: goverify does not build; skipping"; exit 77; }
pass=0
fail=0
expect() { # expect ok|fail DESCRIPTION -- command...
	want=$1 desc=$2
	shift 3
	if "$@" >"$T/out" 2>&1; then got=ok; else got=fail; fi
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "BAD [want $want got $got] $desc"
		tail -3 "$T/out"
	fi
}

# a store: 3000 records in several runs (history of checkpoints)
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "Nov 29 11:%02d:%02d h%d sshd[%d]: Failed password for root from 192.0.2.%d port %d ssh2\n", int(i/60)%60, i%60, i%5, 100+i, i%250, 2000+i }' >"$T/a.log"
"$SPOOR" evidence init "$T/st" --key-name goverify.example/log >/dev/null 2>&1
head -n 1000 "$T/a.log" >"$T/a1.log"
"$SPOOR" evidence add "$T/st" -q --checkpoint-records 300 "$T/a1.log"
"$SPOOR" evidence add "$T/st" -q --checkpoint-records 700 "$T/a.log"
VK=$(cat "$T/st/vkey")
for f in "$T"/st/history/*; do
	expect ok "goverify accepts $(basename "$f")" -- "$G" checkpoint -log "$VK" "$f"
done
expect ok "goverify accepts the latest checkpoint" -- "$G" checkpoint -log "$VK" "$T/st/checkpoint"

# inclusion proofs (tlog-proof) for leaves across tiles
for leaf in 0 1 255 256 1000 2999 3999; do
	"$SPOOR" evidence prove "$T/st" --leaf "$leaf" >"$T/p"
	sed -n 2p "$T/p" | cut -c7- | base64 -d >"$T/leaf.bin"
	expect ok "goverify tlogproof leaf $leaf" -- "$G" tlogproof -log "$VK" -leaf "$T/leaf.bin" "$T/p"
	expect ok "spoor check-proof leaf $leaf" -- "$SPOOR" evidence check-proof --key "$VK" "$T/p"
	# the same proof with one path hash changed: both reject
	awk 'NR==4 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' "$T/p" >"$T/p2"
	if [ "$(sed -n 4p "$T/p")" != "" ]; then
		expect fail "goverify rejects a changed path (leaf $leaf)" -- "$G" tlogproof -log "$VK" -leaf "$T/leaf.bin" "$T/p2"
		expect fail "spoor rejects a changed path (leaf $leaf)" -- "$SPOOR" evidence check-proof --key "$VK" "$T/p2"
	fi
done

# consistency proofs between history checkpoints, from witness-request
for old in 300 600 1000 1700; do
	"$SPOOR" evidence witness-request "$T/st" --old "$old" >"$T/req"
	r1=$(sed -n 3p "$T/st/history/$(printf '%020d' "$old")")
	size=$(sed -n 2p "$T/st/checkpoint")
	r2=$(sed -n 3p "$T/st/checkpoint")
	proof=$(awk 'NR > 1 && /^$/ { exit } NR > 1 { print }' "$T/req")
	# shellcheck disable=SC2086
	expect ok "goverify consistency $old -> $size" -- "$G" consistency -size1 "$old" -root1 "$r1" -size2 "$size" -root2 "$r2" $proof
done

# witnessing: a goverify test key (type 0x04) cosigns through spoor
"$G" keygen -name witness.example/w1 -type 4 -seedhex 0101010101010101010101010101010101010101010101010101010101010101 >"$T/wk"
WSK=$(grep PRIVATE "$T/wk" | head -1 | awk '{print $NF}')
WVK=$(grep -v PRIVATE "$T/wk" | grep '+' | head -1 | awk '{print $NF}')
"$SPOOR" evidence witness-request "$T/st" --old 0 >"$T/req0"
"$SPOOR" evidence witness --key "$WSK" --log "$VK" --state "$T/wstate" "$T/req0" >"$T/cosig"
"$SPOOR" evidence cosign "$T/st" "$T/cosig"
expect ok "goverify accepts spoor's cosignature (quorum 1)" -- "$G" checkpoint -log "$VK" -witness "$WVK" -quorum 1 "$T/st/checkpoint"
expect ok "spoor verify with the witness quorum" -- "$SPOOR" evidence verify "$T/st" --key "$VK" --witness "$WVK" --quorum 1
expect fail "goverify: quorum 2 of 1 witness" -- "$G" checkpoint -log "$VK" -witness "$WVK" -quorum 2 "$T/st/checkpoint"

# goverify's own cosignature on spoor's checkpoint is accepted by spoor
"$G" cosign -skey "$WSK" -time 1700000001 "$T/st/checkpoint" >"$T/cp-go" 2>/dev/null || true
if [ -s "$T/cp-go" ]; then
	grep "witness.example/w1" "$T/cp-go" | tail -1 >"$T/golines"
	cp -r "$T/st" "$T/st2"
	"$SPOOR" evidence cosign "$T/st2" "$T/golines"
	expect ok "spoor accepts goverify's cosignature" -- "$SPOOR" evidence verify "$T/st2" --key "$VK" --witness "$WVK" --quorum 1
fi

# tampered checkpoints: both reject
# (the root's first base64 character replaced by another one: always a change)
awk 'NR==3 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' "$T/st/checkpoint" >"$T/bad.cp"
cmp -s "$T/st/checkpoint" "$T/bad.cp" && { echo "evidence-goverify: the tampered checkpoint is not changed"; exit 1; }
expect fail "goverify rejects a changed root" -- "$G" checkpoint -log "$VK" "$T/bad.cp"
cp -r "$T/st" "$T/st3"
cp "$T/bad.cp" "$T/st3/checkpoint"
expect fail "spoor verify rejects a changed root" -- "$SPOOR" evidence verify "$T/st3" --key "$VK"
# the staged negative vectors goverify rejects, spoor rejects
V="$SHARED/tlog/generated"
LOG=$(cat "$V/log.vkey")
for n in neg-tampered-root neg-tampered-size neg-no-log-sig neg-cosig-timestamp neg-noncanonical-size neg-wrong-origin; do
	expect fail "goverify rejects $n" -- "$G" checkpoint -log "$LOG" -witness "$(cat "$V/witness.vkey")" -quorum 1 "$V/$n.checkpoint"
done
printf '\100\101\102\103' >"$T/leaf5.bin" # leaf 5 of the CT tree: 40414243
expect ok "spoor accepts the generated tlog-proof" -- "$SPOOR" evidence check-proof --key "$LOG" --witness "$V/witness.vkey" --quorum 1 --leaf "$T/leaf5.bin" "$V/leaf5.tlog-proof"
printf '\100\101\102\104' >"$T/leaf5x.bin"
expect fail "spoor rejects it for another leaf" -- "$SPOOR" evidence check-proof --key "$LOG" --leaf "$T/leaf5x.bin" "$V/leaf5.tlog-proof"
echo "evidence-goverify: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
