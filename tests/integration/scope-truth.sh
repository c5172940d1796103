#!/bin/sh
# Issue 11's check on simulated data: the case's scope against the truth of
# `spoor simulate` — every compromised agency and every emptied mailbox
# found, the bytes taken per mailbox within 5 % of the truth, and the share
# of mailboxes named that really were emptied above a floor (the figure
# the closing note reports).  Also: `spoor mailboxes`, `spoor providers`
# and `spoor trace` give from the case what they give over the logs.
# Seeds 7 and 11.
set -u
S=${SPOOR_BIN:?}
SRC=${SPOOR_SRC:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for seed in 7 11; do
	D="$T/sim$seed"
	"$S" simulate --out "$D" --seed "$seed" --agencies 4 --mailboxes 30 --providers 3 --days 7 --scale 0.5 -q || exit 1
	"$S" hunt -q --no-progress --rules "$SRC/rules" --intel "$D/indicators.csv" --inventory "$D/inventory.yaml" \
		--geo "$D/geoip.csv" --analytics --covered-tracks --case "$D/case.db" -o "$D/alerts.jsonl" "$D/logs"
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 3 ] && { echo "FAIL seed $seed: hunt exited $rc"; exit 1; }
	"$S" scope "$D/case.db" --format json > "$D/scope.json" || exit 1
	# issues 8 and 9 on the same data: every spray, mailbox download and
	# provider abuse found; nothing else charged to a provider (the
	# scorer's behaviours and rules; the whole score is printed)
	"$S" simulate score --truth "$D/truth" "$D/alerts.jsonl" > "$D/score.txt" || exit 1
	cat "$D/score.txt"
	python3 - "$D/score.txt" "$seed" <<'PY' || fail=1
import re, sys
seed = sys.argv[2]; bad = []
for line in open(sys.argv[1]):
    f = line.split()
    # issue 8: the spray below lockout and the mailbox downloads, every instance
    if f and f[0] in ("lateral-from-provider", "provider-account-abuse", "password-spray", "mailbox-download"):
        # behaviour planted found recall instances found recall
        if f[4] != f[5]: bad.append("%s: %s of %s instances found" % (f[0], f[5], f[4]))
        print("seed %s: %s instances %s/%s" % (seed, f[0], f[5], f[4]))
    m = None if f and f[0].islower() else re.match(r"^(.*[Pp]rovider.*?)\s+(\d+)\s+(\d+)\s+([\d.]+)%$", line.rstrip())
    if m:
        print("seed %s: rule %s: %s alerts, %s on truth" % (seed, m.group(1), m.group(2), m.group(3)))
        if m.group(2) != m.group(3): bad.append("rule %s: %s alerts, %s on truth" % (m.group(1), m.group(2), m.group(3)))
for b in bad: print("FAIL seed %s: %s" % (seed, b))
sys.exit(1 if bad else 0)
PY
	# `spoor mailboxes` from the case equals `spoor mailboxes` over the
	# logs, byte for byte: JSON lines (mailbox and domain records, in
	# order) and the table
	for f in "" --json; do
		"$S" mailboxes $f -q --no-progress --geo "$D/geoip.csv" --inventory "$D/inventory.yaml" "$D/logs" > "$D/mb-logs" 2>/dev/null
		"$S" mailboxes $f --case "$D/case.db" > "$D/mb-case"
		if ! cmp -s "$D/mb-logs" "$D/mb-case" || ! grep -q ' yes \|"spoor.compromised":true' "$D/mb-case"; then
			echo "FAIL seed $seed: spoor mailboxes $f --case differs from the logs' ($(wc -l < "$D/mb-case") vs $(wc -l < "$D/mb-logs") lines)"
			diff "$D/mb-logs" "$D/mb-case" | head -6
			fail=1
		fi
	done
	echo "seed $seed: mailboxes --case = logs (JSON and table): $(grep -c '"spoor.record":"mailbox"' "$D/mb-logs" 2>/dev/null || true) mailbox rows"
	# `spoor providers` and `spoor trace` from the case equal the same
	# commands over the logs with the same inventory (issue 11)
	for fmt in table --json --dot; do
		f=; [ "$fmt" = table ] || f=$fmt
		"$S" providers $f -q --no-progress --inventory "$D/inventory.yaml" "$D/logs" > "$D/pv-logs$f" 2>/dev/null
		r1=$?
		"$S" providers $f --case "$D/case.db" > "$D/pv-case$f"
		r2=$?
		if [ $r1 -ne 0 ] || [ $r2 -ne 0 ] || ! cmp -s "$D/pv-logs$f" "$D/pv-case$f" || [ ! -s "$D/pv-case$f" ]; then
			echo "FAIL seed $seed: spoor providers $fmt --case differs from the logs' (exit $r2 vs $r1)"
			diff "$D/pv-logs$f" "$D/pv-case$f" | head -10
			fail=1
		fi
	done
	python3 - "$D/pv-case--json" "$seed" <<'PY' || fail=1
import json, sys
p = json.load(open(sys.argv[1]))["providers"]
reached = sum(len(x["reached"]) for x in p); oos = sum(len(x["out_of_scope"]) for x in p)
print("seed %s: providers --case = logs (table, JSON, DOT): %d providers, %d reached rows, %d out-of-scope accesses"
      % (sys.argv[2], len(p), reached, oos))
# an equality of empty answers would prove nothing
sys.exit(0 if reached and oos else 1)
PY
	# trace: every provider and agency, and three of each other kind of
	# node the case's graph holds (spread over it), as kind:name and bare;
	# plus a spelling in capitals and an entity nobody knows (exit 1 both)
	python3 - "$D/case.db" > "$D/entities" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for (kind,) in c.execute("select distinct kind from prov_nodes order by kind"):
    names = [n for (n,) in c.execute("select name from prov_nodes where kind = ? order by id", (kind,))]
    pick = names if kind in ("provider", "agency") else names[:: max(1, len(names) // 3)][:3]
    for n in pick:
        print("%s:%s" % (kind, n))
    if kind == "account" and pick:
        print(pick[0].upper())
print("account:nobody-at-all")
PY
	nt=0 nl=0
	while IFS= read -r ent; do
		for f in "" --json; do
			"$S" trace "$ent" $f -q --no-progress --inventory "$D/inventory.yaml" "$D/logs" > "$D/tr-logs" 2> "$D/tr-logs.err"
			r1=$?
			"$S" trace "$ent" $f --case "$D/case.db" > "$D/tr-case" 2> "$D/tr-case.err"
			r2=$?
			sed -i 's/^spoor trace: //' "$D/tr-logs.err" "$D/tr-case.err"
			if [ $r1 -ne $r2 ] || ! cmp -s "$D/tr-logs" "$D/tr-case" || ! cmp -s "$D/tr-logs.err" "$D/tr-case.err"; then
				echo "FAIL seed $seed: spoor trace '$ent' $f --case differs from the logs' (exit $r2 vs $r1)"
				diff "$D/tr-logs" "$D/tr-case" | head -6
				fail=1
			fi
			nt=$((nt + 1))
			[ -z "$f" ] && grep -q '^  provider ' "$D/tr-case" && nl=$((nl + 1))
		done
	done < "$D/entities"
	echo "seed $seed: trace --case = logs for $nt entity/format pairs ($nl entities linked to a provider)"
	[ "$nl" -gt 0 ] || { echo "FAIL seed $seed: no traced entity links to a provider"; fail=1; }
	python3 "$SRC/scripts/scope-vs-truth.py" "$D/scope.json" "$D/truth"
	python3 "$SRC/scripts/scope-vs-truth.py" "$D/scope.json" "$D/truth" --json > "$D/cmp.json"
	python3 - "$D/cmp.json" "$seed" "${SCOPE_MIN_MAILBOX_PRECISION:-0.25}" <<'PY' || fail=1
import json, sys
c = json.load(open(sys.argv[1])); seed = sys.argv[2]; floor = float(sys.argv[3])
bad = []
if c["agencies"]["recall"] < 1 or c["agencies"]["precision"] < 1: bad.append("agencies %s" % c["agencies"])
if c["mailboxes"]["recall"] < 1: bad.append("mailboxes missed: %s" % c["mailboxes"]["missed"])
if c["mailboxes"]["precision"] < floor: bad.append("mailbox precision %.3f < %.3f" % (c["mailboxes"]["precision"], floor))
for r in c["per_mailbox"]:
    if r["truth_bytes"] > 10_000_000 and abs(r["spoor_bytes"] - r["truth_bytes"]) > 0.05 * r["truth_bytes"]:
        bad.append("bytes of %s: %d vs %d" % (r["mailbox"], r["spoor_bytes"], r["truth_bytes"]))
for b in bad: print("FAIL seed %s: %s" % (seed, b))
print("seed %s: %s" % (seed, "ok" if not bad else "%d failures" % len(bad)))
sys.exit(1 if bad else 0)
PY
done
exit $fail
