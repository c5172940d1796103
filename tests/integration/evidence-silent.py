#!/usr/bin/env python3
"""evidence-silent.py — the silent-source covered-tracks alert.

Four days of Windows Security events (JSON) from six hosts, in time order:

  SRV01       every 15 min, day and night, to the end of the data
  WS-VICTIM   every 15 min, day and night, stops on day 2 at 12:00   -> spoor-tracks-source-silent
  WS-PAUSED   every 15 min, silent day 1 10:00-20:00, then goes on   -> spoor-tracks-source-silent-gap
  WS-NIGHT    every 15 min 08:00-17:00 only (quiet every night; its last event is 6.75 h
              before the end of the data, more than the 6 h minimum): no alert
  LOWVOL      one event every 3-7 h, to near the end: no alert
  QUIET       one event every 8 h, last one 18 h before the end (less than 5 x its 8 h
              gaps): no alert

Checks: exactly the two alerts, with the right host, rule, ATT&CK id, silence bounds;
thresholds are configurable (--silent factor=0 turns it off; a higher hours= drops the
gap alert; a tiny factor makes the night host alert: the negative is not vacuous); the
same file split per host (input not in time order across files) gives the same alerts.
"""
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

SPOOR = os.environ.get("SPOOR_BIN")
if not SPOOR:
    sys.exit("SPOOR_BIN not set")

T0 = datetime(2024, 3, 11, tzinfo=timezone.utc)
END = T0 + timedelta(days=4) - timedelta(minutes=15)
Q = timedelta(minutes=15)


def every(start, stop, step, keep=lambda t: True):
    t = start
    while t <= stop:
        if keep(t):
            yield t
        t += step


def hours(t):
    return t.hour + t.minute / 60


streams = {
    "SRV01.mofa.gov.example": list(every(T0, END, Q)),
    "WS-VICTIM.mofa.gov.example": list(every(T0, T0 + timedelta(days=2, hours=12), Q)),
    "WS-PAUSED.mofa.gov.example": list(
        every(T0, END, Q, lambda t: not (T0 + timedelta(days=1, hours=10) < t < T0 + timedelta(days=1, hours=20)))),
    "WS-NIGHT.mofa.gov.example": list(every(T0, END, Q, lambda t: 8 <= hours(t) <= 17)),
    "QUIET.mofa.gov.example": list(every(T0 + timedelta(hours=1), END - timedelta(hours=18), timedelta(hours=8))),
}
low, t, k = [], T0, 0
while t < END - timedelta(hours=2):
    low.append(t)
    t += timedelta(hours=3 + (k * 7) % 5)  # 3..7 h
    k += 1
streams["LOWVOL.mofa.gov.example"] = low


def record(host, rid, t):
    # the flat Windows JSON shape (nested TimeCreated.SystemTime gets no event time today)
    return json.dumps({"EventID": 4624, "EventRecordID": rid, "Channel": "Security", "Computer": host,
                       "Provider_Name": "Microsoft-Windows-Security-Auditing",
                       "TimeCreated_SystemTime": t.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                       "TargetUserName": "svc", "LogonType": 3, "IpAddress": "10.0.0.9"},
                      separators=(",", ":"))


events = []
for host, times in streams.items():
    for i, t in enumerate(times):
        events.append((t, host, record(host, 1000 + i, t)))
events.sort()

fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)


def hunt(paths, *extra):
    r = subprocess.run([SPOOR, "hunt", "-q", "--no-progress", "--covered-tracks", *extra, *paths],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"hunt exit {r.returncode}: {r.stderr}")
    return [json.loads(x) for x in r.stdout.splitlines() if x.strip()]


def silent_alerts(alerts):
    return sorted((a["rule.id"], a.get("host.name")) for a in alerts if a["rule.id"].startswith("spoor-tracks-source-silent"))


with tempfile.TemporaryDirectory() as d:
    one = os.path.join(d, "security.jsonl")
    with open(one, "w") as f:
        for _, _, line in events:
            f.write(line + "\n")
    alerts = hunt([one])
    want = [("spoor-tracks-source-silent", "WS-VICTIM.mofa.gov.example"),
            ("spoor-tracks-source-silent-gap", "WS-PAUSED.mofa.gov.example")]
    check(silent_alerts(alerts) == want, f"alerts {silent_alerts(alerts)}, want {want}")
    check(len(alerts) == 2, f"{len(alerts)} alerts in all (record gaps?): {[a['rule.id'] for a in alerts]}")
    for a in alerts:
        check(a.get("threat.technique.id") == ["T1562.006"], f"technique {a.get('threat.technique.id')}")
        check(a.get("threat.tactic.name") == ["Defense Evasion"], "tactic")
        check(a.get("log.file.path") == one, f"log.file.path {a.get('log.file.path')}")
        if a["rule.id"] == "spoor-tracks-source-silent":
            check(a["spoor.silent.from"] == "2024-03-13T12:00:00Z", f"victim from {a['spoor.silent.from']}")
            check(a["spoor.silent.until"] == "2024-03-14T23:45:00Z", f"victim until {a['spoor.silent.until']}")
            check(a["spoor.silent.trailing"] is True, "victim trailing")
            check(a["rule.level"] == "high", "victim level")
        elif a["rule.id"] == "spoor-tracks-source-silent-gap":
            check(a["spoor.silent.from"] == "2024-03-12T10:00:00Z", f"paused from {a['spoor.silent.from']}")
            check(a["spoor.silent.until"] == "2024-03-12T20:00:00Z", f"paused until {a['spoor.silent.until']}")
            check(abs(a["spoor.silent.hours"] - 10.0) < 0.01, "paused hours")
            check(a["spoor.silent.others_logging"] >= 1, "others")
    # thresholds
    check(silent_alerts(hunt([one], "--silent", "factor=0")) == [], "factor=0 does not turn it off")
    check(silent_alerts(hunt([one], "--silent", "hours=12")) == want[:1], "hours=12 keeps the 10 h gap alert")
    loose = silent_alerts(hunt([one], "--silent", "factor=0.01", "--silent", "hours=1"))
    check(("spoor-tracks-source-silent", "WS-NIGHT.mofa.gov.example") in loose,
          f"loose thresholds: the night host should alert (the negative is not vacuous): {loose}")
    check(silent_alerts(hunt([one], "--silent", "others=10")) == [], "others=10: fewer than 10 others logged on")
    check(silent_alerts(hunt([one], "--silent", "baseline-hours=200")) == [], "baseline-hours=200")
    r = subprocess.run([SPOOR, "hunt", "--silent", "nosuch=1", one], capture_output=True, text=True)
    check(r.returncode == 2, f"--silent nosuch=1: exit {r.returncode}")
    # one file per host, read one after the other (not in time order across files)
    paths = []
    for i, host in enumerate(sorted(streams)):
        p = os.path.join(d, f"{i}-{host.split('.')[0]}.jsonl")
        with open(p, "w") as f:
            for _, h, line in events:
                if h == host:
                    f.write(line + "\n")
        paths.append(p)
    split = silent_alerts(hunt(paths))
    check(split == want, f"per-host files: {split}, want {want}")

for m in fails:
    print("evidence-silent: FAIL:", m, file=sys.stderr)
if fails:
    sys.exit(1)
print("evidence-silent: OK (2 alerts, negatives quiet, thresholds configurable)")
