#!/bin/sh
# make demo: simulate a small multi-agency campaign (spoor simulate), hunt
# through it with spoor's own Sigma rules, and score the alerts against the
# simulation's ground truth.
set -u
B=${1:-build}
S="$B/src/cli/spoor"
SEED=${DEMO_SEED:-7}
D="$B/demo-sim"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "spoor simulate: 4 agencies, 3 IT providers, 7 days, seed $SEED (same seed, same bytes)"
rm -rf "$D"
"$S" simulate --out "$D" --seed "$SEED" --agencies 4 --mailboxes 30 --providers 3 --days 7 --scale 0.5 || exit 1
echo "inventory: $D/inventory.yaml   geoip: $D/geoip.csv   intel: $D/indicators.csv   truth: $D/truth/"
( cd "$D" && find logs -type f | sort | sed 's/^/  /' | head -50 )

say "spoor stats: every file parsed, formats detected from content"
"$S" stats --no-progress "$D/logs" | sed -n '1,5p;/by format/,/^$/p'

say "what was planted (truth/summary.json)"
if command -v jq >/dev/null 2>&1; then
	jq -r '"providers abused: \(.providers_abused | join(", "))",
	       "agencies compromised: \([.agencies_compromised[] | "\(.agency) (\(.first_compromise))"] | join(", "))",
	       "accounts: \([.accounts_compromised[] | .account] | join(", "))",
	       (.mailboxes_taken[] | "mailbox \(.mailbox): \(.items) items, \(.bytes / 1e6 | floor) MB taken")' \
		"$D/truth/summary.json"
else
	cat "$D/truth/summary.json"
fi

say "spoor hunt --rules rules: spoor's own Sigma rules over every log"
"$S" hunt --no-progress -q --rules rules "$D/logs" > "$D/alerts.jsonl"
echo "$(wc -l < "$D/alerts.jsonl") alerts -> $D/alerts.jsonl"
if command -v jq >/dev/null 2>&1; then
	jq -r '[.["@timestamp"], .["rule.level"], .["rule.name"], .["host.name"] // "-", .["log.file.path"]] | @tsv' \
		"$D/alerts.jsonl" | sed "s|$D/||" | sort | head -20 | column -t -s "$(printf '\t')"
fi

say "spoor simulate score: which planted behaviours the rules found (recall) and how many alerts were right (precision)"
"$S" simulate score --truth "$D/truth" "$D/alerts.jsonl"

say "done"
echo "The rules see the Windows end of the BlackTech intrusion (the PLEAD-like service, the"
echo "cleared logs, Defender's detection).  The password spray below lockout, the provider's"
echo "jump host used at night, mailbox download and forwarding, C2 beacons and exfiltration"
echo "are in the logs too: the truth lists every record; the analytics and intel engines are"
echo "what should find them.  Bigger: $S simulate --out /tmp/big --scale 10 (about 1.2 GB)."
exit 0
