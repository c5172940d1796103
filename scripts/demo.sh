#!/bin/sh
# make demo: run spoor on logs the project ships (tests/fixtures/demo).
set -u
B=${1:-build}
S="$B/src/cli/spoor"
D=tests/fixtures/demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "spoor reads these formats"
"$S" formats

say "spoor stats $D  (Windows events as evtx_dump JSON lines and pretty-printed, a gzipped VPN log)"
"$S" stats --no-progress "$D"
echo "(exit code $?: 3 means it finished but found bad input, as reported above)"

say "spoor cat: the failed and successful logons from one address, as ECS fields"
"$S" cat --no-progress -q --fields @timestamp,event.code,event.outcome,user.name,user.domain,source.ip,host.name "$D/security-4625-spray.jsonl"

say "spoor cat: one whole event (raw fields keep the names Sigma rules use)"
"$S" cat --no-progress -q "$D/sysmon-pretty.json" | head -n 1

say "done"
echo "spoor turned every record into events with ECS names, kept where each came from"
echo "(log.file.path, log.offset, spoor.line), and counted the bad line instead of stopping."
echo "Next: spoor hunt with Sigma rules, intel and analytics (see docs/)."
exit 0
