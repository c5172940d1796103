#!/bin/sh
# evidence-tracks.sh — covered-track detection on the MITRE ATT&CK EVTX
# samples (shared data): the defense-evasion samples fire (log cleared,
# audit policy removed, system time set back), and the untouched corpus
# gives no EventRecordID gap alert (its files are filtered exports).
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN}
C="${SPOOR_SHARED_DATA:-}/evtx/mitre-attack-cc0"
[ -d "$C" ] || { echo "evidence-tracks: no $C; skipping"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$SPOOR" hunt -q --no-progress --covered-tracks "$C" >"$out" 2>/dev/null
count() { grep -c "\"rule.id\":\"$1\"" "$out" || true; }
fail=0
for id in spoor-tracks-event-log-cleared spoor-tracks-security-log-cleared spoor-tracks-audit-removed spoor-tracks-time-backwards; do
	n=$(count "$id")
	echo "$id: $n"
	[ "$n" -gt 0 ] || { echo "evidence-tracks: FAIL: no $id alert"; fail=1; }
done
n=$(count spoor-tracks-record-id-gap)
echo "spoor-tracks-record-id-gap: $n (want 0 on the untouched corpus)"
[ "$n" -eq 0 ] || fail=1
grep -q '"spoor-tracks-time-backwards".*T1070.006-Timestomp' "$out" || { echo "evidence-tracks: FAIL: the Timestomp sample does not fire"; fail=1; }
exit $fail
