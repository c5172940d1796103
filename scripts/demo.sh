#!/bin/sh
# make demo: the whole story on data spoor makes itself.
#   1. spoor simulate      four agencies, three IT service providers, a week of logs,
#                          a planted BlackTech/Taidoor-style campaign and its truth
#   2. spoor evidence init an append-only, signed Merkle log for every record
#   3. spoor hunt          Sigma rules, intel, identity and mailbox analytics, the
#                          provider inventory, covered tracks; into the evidence
#                          log and a case database
#   4. spoor scope         what was touched, since when, what data left
#   5. spoor report        one self-contained HTML report
#   6. spoor evidence verify   nobody edited the records afterwards
#   7. scores against the simulation's truth
set -u
B=${1:-build}
S="$B/src/cli/spoor"
SEED=${DEMO_SEED:-7}
W="$B/demo"
D="$W/sim"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
t0=$(date +%s)

say "1. spoor simulate: 4 agencies, 3 IT providers, 7 days, seed $SEED (same seed, same bytes)"
rm -rf "$W" && mkdir -p "$W"
"$S" simulate --out "$D" --seed "$SEED" --agencies 4 --mailboxes 30 --providers 3 --days 7 --scale 0.5 || exit 1
echo "inventory: $D/inventory.yaml   geoip: $D/geoip.csv   intel: $D/indicators.csv   truth: $D/truth/"
"$S" stats --no-progress "$D/logs" | sed -n '1,5p;/by format/,/^$/p'

say "2. spoor evidence init: a signed, append-only log for every record the hunt reads"
"$S" evidence init "$W/evidence" --key-name spoor-demo 2>&1 | tail -2 || exit 1

say "3. spoor hunt: Sigma rules + intel + analytics + provider inventory + covered tracks"
"$S" hunt --no-progress --rules rules --intel "$D/indicators.csv" --inventory "$D/inventory.yaml" \
	--geo "$D/geoip.csv" --analytics --covered-tracks --evidence "$W/evidence" --case "$W/case.db" \
	--csv "$W/timeline.csv" -o "$W/alerts.jsonl" "$D/logs"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 3 ] && exit 1
echo "$(wc -l < "$W/alerts.jsonl") alerts -> $W/alerts.jsonl (timeline: $W/timeline.csv)"

say "4. spoor scope: agencies, providers, mailboxes touched; kill chain; data taken"
"$S" scope "$W/case.db" > "$W/scope.txt" || exit 1
sed -n '1,4p' "$W/scope.txt"
awk '/^AGENCY/,/^$/' "$W/scope.txt" | head -24
awk '/^TAKEN/,0' "$W/scope.txt" | head -12
"$S" scope "$W/case.db" --format json > "$W/scope.json" || exit 1

say "5. spoor report"
"$S" report "$W/case.db" -o "$W/report.html" || exit 1

say "6. spoor evidence verify: every leaf recomputed, every checkpoint's signature checked"
"$S" evidence verify "$W/evidence" --key "$W/evidence/vkey" || exit 1

say "7. against the truth of the simulation"
echo "-- alerts: recall per planted behaviour, precision per rule (spoor simulate score)"
"$S" simulate score --truth "$D/truth" "$W/alerts.jsonl"
if command -v python3 >/dev/null 2>&1; then
	echo
	echo "-- scope: compromised agencies, mailboxes emptied, bytes taken (scripts/scope-vs-truth.py)"
	python3 scripts/scope-vs-truth.py "$W/scope.json" "$D/truth"
fi

say "done in $(($(date +%s) - t0)) s"
echo "report:   $W/report.html  (open it in a browser; no network needed)"
echo "case:     $W/case.db      (spoor scope $W/case.db --agency moea --format json)"
echo "evidence: $W/evidence     (spoor evidence prove $W/evidence --leaf 0)"
exit 0
