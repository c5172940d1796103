#!/usr/bin/env python3
"""Issue 8 on `spoor simulate` data: each identity analytic's precision and
recall against the simulation's ground truth (seeds 7 and 11, the sizes of
scope-truth.sh).

Runs `spoor simulate`, then `spoor hunt --analytics` with only what a real
deployment has (the logs, the inventory, the GeoIP table; never the truth),
and scores every analytic alert against truth/truth.jsonl: an alert is on
truth when a record it lists (log.file.path + spoor.line, its own or one
of spoor.origins) is a planted record; an instance of a behaviour is found
when an alert of the analytic lists one of its records.  Instances are per
account (the victim mailbox) except for spraying, which is one instance
per agency (many targets, one campaign).  Prints one table per seed and
asserts the floors below; analytics simulate does not plant have no recall
floor but their precision is still measured (any alert off truth counts).

Alerts at level low are signals, not incidents: an analytic emits them for
behaviour that is real but benign as often as not (a first-seen country
from a trip, a new phone syncing a mailbox where its owner lives).  They
are counted (column "low", and how many of them are on truth) but not in
precision, which is over the alerts a SOC triages (medium and above); an
instance is found only by a triaged alert.

--issue-scale runs the issue's scale instead (10 agencies x 300 mailboxes,
5 providers, 21 days: 3,000 mailboxes, three weeks, about a million
identity records per seed) with its floors; it takes a minute or two
and is skipped in sanitizer builds (--sanitized, or SPOOR_SANITIZED=1).

Usage: analytics-simulate.py [--issue-scale] [--sanitized] [--keep DIR]     (SPOOR_BIN from meson)
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("SPOOR_BIN", "spoor")
SEEDS = (7, 11)
SIZE = ["--agencies", "4", "--mailboxes", "30", "--providers", "3", "--days", "7", "--scale", "0.5"]
BIG = ["--agencies", "10", "--mailboxes", "300", "--providers", "5", "--days", "21", "--scale", "0.5"]
TRIAGED = ("medium", "high", "critical")

# analytic rule id -> (short name, behaviours it is scored on, instance key);
# a behaviour "b:KIND" limits it to one planted record kind.  The mailbox
# downloads over EWS (P_EWS_DOWNLOAD: Exchange IIS request lines, no item or
# byte counts) are the Sigma rule's to find, not the bulk-access analytic's
# (it reads Dovecot session ends and MailItemsAccessed), so they are not in
# its recall.
ANALYTICS = [
    ("spoor-analytic-password-spray", "spray", ("password-spray",), "agency"),
    ("spoor-analytic-brute-force", "bruteforce", (), None),
    ("spoor-analytic-credential-stuffing", "stuffing", (), None),
    ("spoor-analytic-impossible-travel", "travel", ("account-compromise",), "account"),
    ("spoor-analytic-first-seen", "firstseen", (), None),
    ("spoor-analytic-legacy-auth", "legacyauth", (), None),
    ("spoor-analytic-hiding-inbox-rule", "inboxrule", ("mail-forwarding",), "account"),
    ("spoor-analytic-external-forwarding", "forwarding", ("mail-forwarding",), "account"),
    ("spoor-analytic-mailbox-delegation", "delegation", ("mailbox-delegation",), "account"),
    ("spoor-analytic-bulk-mail-access", "bulkaccess", ("mailbox-download:P_IMAP_DOWNLOAD",
                                                       "mailbox-download:P_UAL_MAILITEMS"), "account"),
    ("spoor-analytic-oauth-consent", "consent", ("oauth-consent",), "account"),
]

# Floors the code must meet on both seeds.  Recall 1.0 where simulate plants
# few instances; travel cannot find every compromised account (an intruder's
# logon is impossible travel only when the victim logged on far away shortly
# before, and logons over VPN exits are not compared at all; spraying's
# "then succeeded" names the others): measured 1.0 / 0.6 since bare Dovecot
# login names are qualified with their agency's domain (inventory-stage.c),
# floor 0.5.  Precision floors are below the measured values
# (docs/analytics.md, closing table) with margin.
RECALL_FLOOR = {"spray": 1.0, "delegation": 1.0, "consent": 1.0, "forwarding": 1.0, "inboxrule": 1.0,
                "bulkaccess": 1.0, "travel": 0.5}
PRECISION_FLOOR = {"spray": 1.0, "travel": 0.8, "delegation": 1.0, "consent": 1.0, "forwarding": 1.0,
                   "inboxrule": 1.0, "bulkaccess": 0.75, "legacyauth": 0.8, "bruteforce": 0.8, "stuffing": 0.8,
                   "firstseen": 0.5}
# At the scale: spraying below lockout must be found in every
# sprayed agency; travel finds a compromised account only when its owner
# logged on far away shortly before (see above), measured 0.33 / 0.55,
# floor 0.2.
BIG_RECALL_FLOOR = dict(RECALL_FLOOR, travel=0.2)
BIG_PRECISION_FLOOR = {"spray": 1.0, "travel": 0.8, "delegation": 1.0, "consent": 1.0, "forwarding": 1.0,
                       "inboxrule": 1.0, "bulkaccess": 0.8, "legacyauth": 0.8, "bruteforce": 0.8, "stuffing": 0.8,
                       "firstseen": 0.5}


def refs(obj, out):
    """Every (path, line) an alert lists: objects with log.file.path and spoor.line."""
    if isinstance(obj, dict):
        p, ln = obj.get("log.file.path"), obj.get("spoor.line")
        if isinstance(p, str) and isinstance(ln, int):
            out.append((p, ln))
        for v in obj.values():
            refs(v, out)
    elif isinstance(obj, list):
        for v in obj:
            refs(v, out)


def truth_of(path, line, truth):
    """The truth record of an alert's (absolute) path and line, or None."""
    for (f, ln), t in truth.get(line, {}).items():
        if path == f or path.endswith("/" + f):
            return t
    return None


def scored(t, behs):
    return t["behaviour"] in behs or "%s:%s" % (t["behaviour"], t["kind"]) in behs


def score(d):
    truth = {}  # line -> {(file, line): record}
    for s in open(os.path.join(d, "truth", "truth.jsonl")):
        t = json.loads(s)
        truth.setdefault(t["line"], {})[(t["file"], t["line"])] = t
    alerts = [json.loads(s) for s in open(os.path.join(d, "alerts.jsonl"))]
    rows = []
    for rid, name, behs, key in ANALYTICS:
        every = [a for a in alerts if a.get("rule.id") == rid]
        mine = [a for a in every if a.get("rule.level") in TRIAGED]
        low = [a for a in every if a.get("rule.level") not in TRIAGED]
        low_tp = 0
        for a in low:
            rs = []
            refs(a, rs)
            low_tp += any(truth_of(p, ln, truth) for p, ln in rs)
        tp = 0
        found = set()
        for a in mine:
            rs = []
            refs(a, rs)
            hits = [t for t in (truth_of(p, ln, truth) for p, ln in rs) if t]
            tp += bool(hits)
            for t in hits:
                if scored(t, behs):
                    found.add(t.get(key) or "-")
        planted = set()
        for by_line in truth.values():
            for t in by_line.values():
                if scored(t, behs):
                    planted.add(t.get(key) or "-")
        rows.append({
            "analytic": name, "alerts": len(mine), "on_truth": tp, "low": len(low), "low_on_truth": low_tp,
            "precision": tp / len(mine) if mine else None,
            "instances": len(planted), "found": len(found & planted),
            "recall": len(found & planted) / len(planted) if planted else None,
        })
    return rows


def fmt(v):
    return "-" if v is None else "%.2f" % v


def main():
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    big = "--issue-scale" in sys.argv
    if big and ("--sanitized" in sys.argv or os.environ.get("SPOOR_SANITIZED") == "1"):
        print("SKIP: the issue-scale scenario is for the normal build (sanitizer build)")
        return 77
    size = BIG if big else SIZE
    recall_floor = BIG_RECALL_FLOOR if big else RECALL_FLOOR
    precision_floor = BIG_PRECISION_FLOOR if big else PRECISION_FLOOR
    tmp = tempfile.TemporaryDirectory()
    root = keep or tmp.name
    os.makedirs(root, exist_ok=True)
    bad = []
    for seed in SEEDS:
        d = os.path.join(root, "sim%d" % seed)
        subprocess.run([BIN, "simulate", "--out", d, "--seed", str(seed)] + size + ["-q"], check=True)
        r = subprocess.run([BIN, "hunt", "-q", "--no-progress", "--analytics", "--inventory",
                            os.path.join(d, "inventory.yaml"), "--geo", os.path.join(d, "geoip.csv"),
                            "-o", os.path.join(d, "alerts.jsonl"), os.path.join(d, "logs")])
        if r.returncode not in (0, 3):
            print("FAIL seed %d: hunt exited %d" % (seed, r.returncode))
            return 1
        rows = score(d)
        print("seed %d" % seed)
        print("%-12s %7s %9s %10s %10s %6s %7s %5s %12s" % ("analytic", "alerts", "on truth", "precision",
                                                            "instances", "found", "recall", "low", "low on truth"))
        for x in rows:
            print("%-12s %7d %9d %10s %10d %6d %7s %5d %12d" % (x["analytic"], x["alerts"], x["on_truth"],
                                                                fmt(x["precision"]), x["instances"], x["found"],
                                                                fmt(x["recall"]), x["low"], x["low_on_truth"]))
            n = x["analytic"]
            if n in recall_floor:
                if not x["instances"]:
                    bad.append("seed %d: %s: simulate planted nothing to find" % (seed, n))
                elif x["recall"] < recall_floor[n]:
                    bad.append("seed %d: %s recall %.2f < %.2f" % (seed, n, x["recall"], recall_floor[n]))
            if x["precision"] is not None and x["precision"] < precision_floor.get(n, 0.5):
                bad.append("seed %d: %s precision %.2f < %.2f" % (seed, n, x["precision"],
                                                                  precision_floor.get(n, 0.5)))
        print()
    for b in bad:
        print("FAIL " + b)
    print("ok" if not bad else "%d failures" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
