#!/bin/sh
# evidence-rejected.sh — every record read is a leaf, parsed or not, and
# `spoor evidence add` keeps DIR/sources as `spoor hunt --evidence` does:
#   - malformed JSON lines and syslog lines are leaves flagged rejected, in
#     input order, with their exact bytes; verify covers them (a flipped
#     byte in a rejected leaf is a changed-leaf);
#   - hunt --evidence keeps them too (same leaves as add);
#   - add writes DIR/sources (first-record hash, bytes read, path), and a
#     file truncated or replaced between two adds raises the covered-tracks
#     alert on stdout; hunt after add (and add after hunt) sees the same state.
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN}
T=$(mktemp -d /tmp/spoor-evrej.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fail() { echo "evidence-rejected: FAIL: $*" >&2; exit 1; }
ok() { n=$((n + 1)); }

# --- rejected records are leaves ---
printf '{"EventID":1,"a":"x"}\n{"EventID":2,"b":\n{"EventID":3}\n[1,2\n{"EventID":5}\n' >"$T/j.jsonl"
"$SPOOR" evidence init "$T/st" >/dev/null 2>&1
set +e
"$SPOOR" evidence add "$T/st" --no-progress "$T/j.jsonl" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 3 ] || fail "add with bad records: exit 3 (got $rc): $(cat "$T/err")"
grep -q "5 records appended (leaves 0-4; 2 of them rejected" "$T/err" || fail "add summary: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "first add printed alerts: $(cat "$T/out")"
ok
i=0
for want in '{"EventID":1,"a":"x"}' '{"EventID":2,"b":' '{"EventID":3}' '[1,2' '{"EventID":5}'; do
	"$SPOOR" evidence show "$T/st" --leaf $i >"$T/show"
	"$SPOOR" evidence show "$T/st" --leaf $i --raw >"$T/raw"
	[ "$(cat "$T/raw")" = "$want" ] || fail "leaf $i holds $(cat "$T/raw"), expected $want"
	case $i in
	1 | 3) grep -q '"rejected":true' "$T/show" || fail "leaf $i not flagged rejected: $(cat "$T/show")" ;;
	*) ! grep -q rejected "$T/show" || fail "leaf $i flagged rejected: $(cat "$T/show")" ;;
	esac
	i=$((i + 1))
done
"$SPOOR" evidence show "$T/st" --leaf 1 | grep -q '"offset":22,"line":2,' ||
	fail "rejected leaf 1: offset/line: $("$SPOOR" evidence show "$T/st" --leaf 1)"
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >"$T/v" 2>&1 || fail "verify: $(cat "$T/v")"
ok
# a proof of a rejected leaf checks offline like any other
"$SPOOR" evidence prove "$T/st" --leaf 3 >"$T/p"
"$SPOOR" evidence check-proof --key "$T/st/vkey" "$T/p" >/dev/null || fail "check-proof of a rejected leaf"
ok
# flip one byte of the rejected record in leaf 1: verify must see it
f=$(ls "$T"/st/tile/entries/*.p/* | head -1)
zstd -q -d -c "$f" >"$T/bun"
python3 - "$T/bun" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); o = 0
o += 2 + (b[o] << 8 | b[o + 1])          # skip leaf 0
n = b[o] << 8 | b[o + 1]
b[o + 2 + n - 1] ^= 1                    # last byte of leaf 1's record
open(p, 'wb').write(b)
EOF
zstd -q -f "$T/bun" -o "$f"
set +e
"$SPOOR" evidence verify "$T/st" --key "$T/st/vkey" >"$T/v" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "changed-leaf: leaf 1 changed" "$T/v" || fail "changed rejected leaf: exit $rc: $(cat "$T/v")"
ok

# the same through hunt --evidence: same records, same flags
"$SPOOR" evidence init "$T/sth" >/dev/null 2>&1
"$SPOOR" hunt -q --no-progress --evidence "$T/sth" "$T/j.jsonl" >/dev/null 2>"$T/err" || [ $? -eq 3 ] ||
	fail "hunt --evidence: $(cat "$T/err")"
"$SPOOR" evidence show "$T/sth" --leaf 3 | grep -q '"rejected":true' || fail "hunt: leaf 3 not flagged"
[ "$("$SPOOR" evidence show "$T/sth" --leaf 4 --raw)" = '{"EventID":5}' ] || fail "hunt: leaf 4 not the 5th line"
"$SPOOR" evidence verify "$T/sth" >/dev/null 2>&1 || fail "hunt store verifies"
ok
# a syslog line that does not parse (no timestamp) is kept too
printf 'Nov 29 13:00:00 h1 sshd[1]: Accepted password for a from 192.0.2.1 port 1 ssh2\nnot a syslog line at all\n' >"$T/s.log"
"$SPOOR" evidence init "$T/sts" >/dev/null 2>&1
"$SPOOR" evidence add "$T/sts" -q --format syslog "$T/s.log" 2>/dev/null || true
[ "$("$SPOOR" evidence show "$T/sts" --leaf 1 --raw)" = 'not a syslog line at all' ] || fail "syslog reject not kept"
"$SPOOR" evidence show "$T/sts" --leaf 1 | grep -q '"rejected":true' || fail "syslog reject not flagged"
ok

# a line over --max-record (but within the read window) is kept, flagged; the lines around it too
python3 -c "print('{\"EventID\":1}'); print('{\"x\":\"' + 'a' * 3000 + '\"}'); print('{\"EventID\":3}')" >"$T/long.jsonl"
"$SPOOR" evidence init "$T/stl" >/dev/null 2>&1
"$SPOOR" evidence add "$T/stl" -q --max-record 1000 "$T/long.jsonl" 2>/dev/null || [ $? -eq 3 ] || fail "add of an over-limit line"
"$SPOOR" evidence show "$T/stl" --leaf 1 | grep -q '"bytes":3008,"rejected":true' || fail "over-limit line: $("$SPOOR" evidence show "$T/stl" --leaf 1)"
"$SPOOR" evidence show "$T/stl" --leaf 1 --raw >"$T/lr"
sed -n 2p "$T/long.jsonl" | tr -d '\n' | cmp -s - "$T/lr" || fail "over-limit line bytes"
[ "$("$SPOOR" evidence show "$T/stl" --leaf 2 --raw)" = '{"EventID":3}' ] || fail "the line after the long one"
"$SPOOR" evidence verify "$T/stl" >/dev/null 2>&1 || fail "stl verifies"
ok

# --- evidence add keeps DIR/sources ---
mkdir "$T/logs"
gen() { awk -v s="$1" -v n="$2" 'BEGIN { for (i = s; i < s + n; i++) printf "Nov 29 13:%02d:%02d h2 sshd[%d]: Accepted password for u%d from 203.0.113.%d port %d ssh2\n", int(i/60)%60, i%60, 100+i, i%9, i%250, 4000+i }'; }
gen 0 100 >"$T/logs/auth.log"
"$SPOOR" evidence init "$T/st2" >/dev/null 2>&1
add2() { "$SPOOR" evidence add "$T/st2" -q --year 2024 "$T/logs" 2>/dev/null; }
[ -z "$(add2)" ] || fail "first add: no alert expected"
[ -s "$T/st2/sources" ] || fail "add wrote no DIR/sources"
bytes=$(($(wc -c <"$T/logs/auth.log") - 1)) # through the last record, its newline not counted
first=$(head -n 1 "$T/logs/auth.log" | tr -d '\n' | sha256sum | cut -d' ' -f1)
grep -q "^$first	$bytes	$T/logs/auth.log\$" "$T/st2/sources" || fail "sources line: $(cat "$T/st2/sources") (want $first $bytes)"
ok
head -n 60 "$T/logs/auth.log" >"$T/x" && mv "$T/x" "$T/logs/auth.log"
add2 >"$T/a"
grep -q '"rule.id":"spoor-tracks-log-truncated"' "$T/a" || fail "truncation between two adds not detected: $(cat "$T/a")"
ok
# add then hunt: the hunt sees what add recorded (no alert: nothing changed)
out=$("$SPOOR" hunt -q --no-progress --year 2024 --evidence "$T/st2" "$T/logs" 2>/dev/null)
[ -z "$out" ] || fail "hunt after add raised: $out"
gen 1000 80 >"$T/logs/auth.log"
add2 | grep -q '"rule.id":"spoor-tracks-log-replaced"' || fail "replacement between add runs not detected"
ok
mv "$T/logs/auth.log" "$T/logs/auth.log.1"
gen 2000 50 >"$T/logs/auth.log"
out=$(add2)
[ -z "$out" ] || fail "a proper rotation raised: $out"
ok
"$SPOOR" evidence verify "$T/st2" >/dev/null 2>&1 || fail "st2 verifies"
echo "evidence-rejected: $n checks passed"
