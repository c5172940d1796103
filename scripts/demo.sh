#!/bin/sh
# make demo: run spoor on logs the project ships (tests/fixtures/demo): a
# password spray against a ministry's mail server that ends in a mailbox
# being read out, and the Windows side of the same intrusion.
set -u
B=${1:-build}
S="$B/src/cli/spoor"
D=tests/fixtures/demo
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "spoor reads these formats (detected from content, not file names)"
"$S" formats

say "spoor stats $D  (Windows events as evtx_dump JSON, pretty-printed Sysmon, a gzipped VPN log, a mail server's syslog)"
"$S" stats --no-progress --year 2024 "$D"
echo "(exit code $?: 3 means it finished but found bad input, reported above with file, line and offset)"

say "the mail server: failed logins for several mailboxes from one address, then one that works, then 148 MB leave"
"$S" cat --no-progress -q --year 2024 --fields @timestamp,event.action,event.outcome,user.name,source.ip,network.bytes "$D/mail.log"

say "the domain controller: the same address fails and then logs on; the log is cleared afterwards"
"$S" cat --no-progress -q --fields @timestamp,event.code,event.outcome,user.name,user.domain,source.ip,host.name "$D/security-4625-spray.jsonl"

say "spoor hunt with spoor's own Sigma rules (rules/): every alert names its rule and ATT&CK technique"
"$S" hunt --no-progress -q --year 2024 --rules rules "$D"

say "done"
echo "spoor turned every record into events with ECS names, kept where each came from"
echo "(log.file.path, log.offset, spoor.line), counted the bad line instead of stopping,"
echo "and matched Sigma rules. Try: $S hunt --rules ../shared/data/sigma/rules ../shared/data/evtx/"
exit 0
