#!/usr/bin/env python3
"""--state: a daily hunt keeps its baselines.  Day 1 (ten days of logons
from Taipei) is hunted with --state; day 2 (one logon from Amsterdam) alone
raises nothing, but with the state it raises first-seen country, ASN and
client.  A state file that is not one is a usage error and is not
overwritten; the state is written atomically (no .tmp left)."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("SPOOR_BIN", "spoor")
SRC = os.environ.get("SPOOR_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
case = os.path.join(SRC, "tests", "cases", "analytics", "firstseen")
lines = open(os.path.join(case, "ual.jsonl")).read().splitlines()
d = tempfile.mkdtemp(prefix="spoor-state-")
day1, day2, st = os.path.join(d, "day1.jsonl"), os.path.join(d, "day2.jsonl"), os.path.join(d, "spoor.state")
open(day1, "w").write("\n".join(lines[:-1]) + "\n")
open(day2, "w").write(lines[-1] + "\n")
geo = ["--geo", os.path.join(case, "geo.csv")]
fails = []


def hunt(*args):
    return subprocess.run([BIN, "hunt", "-q"] + geo + list(args), capture_output=True, text=True)


p = hunt("--state", st, day1)
if p.returncode or p.stdout or not os.path.exists(st) or os.path.exists(st + ".tmp"):
    fails.append("day 1: exit %d, %d alerts, state %s" % (p.returncode, len(p.stdout.splitlines()), os.path.exists(st)))
p = hunt("--analytics", day2)
if p.stdout:
    fails.append("day 2 without state: %s" % p.stdout)
p = hunt("--state", st, day2)
al = [json.loads(l) for l in p.stdout.splitlines()]
if len(al) != 1 or al[0]["rule.id"] != "spoor-analytic-first-seen" or al[0].get("spoor.new.country") != "NL":
    fails.append("day 2 with state: %s" % p.stdout)
bad = os.path.join(d, "bad.state")
open(bad, "w").write("hello\n")
p = hunt("--state", bad, day2)
if p.returncode != 2 or "not a spoor analytics state file" not in p.stderr or open(bad).read() != "hello\n":
    fails.append("bad state: exit %d %s" % (p.returncode, p.stderr))
for f in os.listdir(d):
    os.unlink(os.path.join(d, f))
os.rmdir(d)
for f in fails:
    print("FAIL", f)
print("state: baselines carried from day 1 to day 2" if not fails else "")
sys.exit(1 if fails else 0)
