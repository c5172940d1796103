#!/usr/bin/env python3
"""The case database end to end: hunt --case, scope, report, re-runs,
damaged and foreign files, schema versions, readers during a write.

Uses the demo fixtures (tests/fixtures/demo) and SigmaHQ's Windows builtin
rules from the shared data (skips, exit 77, when that is absent)."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

SRC = os.environ["SPOOR_SRC"]
BIN = os.environ["SPOOR_BIN"]
DATA = os.environ.get("SPOOR_SHARED_DATA", "")
RULES = os.path.join(DATA, "sigma", "rules", "windows", "builtin")
DEMO = os.path.join(SRC, "tests", "fixtures", "demo")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def spoor(*args, **kw):
    return subprocess.run([BIN, *args], capture_output=True, text=True, **kw)


def hunt(db, *extra):
    return spoor("hunt", "--rules", os.path.join(SRC, "rules"), "--rules", RULES, "--case", db, "--year", "2024",
                 "-q", DEMO, *extra)


def scope(db, *extra):
    r = spoor("scope", db, "--format", "json", *extra)
    check(r.returncode == 0, "scope %s exits 0 (%s)" % (" ".join(extra), r.stderr.strip()))
    return json.loads(r.stdout) if r.returncode == 0 else {}


def main():
    if not os.path.isdir(RULES):
        print("SKIP: shared data not found (set SPOOR_SHARED_DATA to the ../shared/data folder)")
        return 77
    tmp = tempfile.mkdtemp(prefix="spoor-case-")
    db = os.path.join(tmp, "case.db")
    r = hunt(db)
    check(r.returncode == 3, "hunt --case exits 3 (the demo has one bad line): %d %s" % (r.returncode, r.stderr))
    alerts_out = [json.loads(l) for l in r.stdout.splitlines()]
    s = scope(db)
    check(s["summary"]["alerts"] == len(alerts_out) == 7, "7 alerts in the case and on stdout")
    # the mailbox emptied over IMAP: bytes and items from Dovecot's logout line,
    # tied to the intruder's address through the session id of the login line
    taken = {(t["kind"], t["name"]): t for t in s["data_taken"]}
    t = taken.get(("mailbox", "wang.hao@moea.gov.example"))
    check(t is not None and t["bytes"] == 148220901 and t["items"] == 5120, "mail taken from wang.hao: %s" % t)
    if t:
        with open(os.path.join(SRC, t["first_record"]["log.file.path"]) if not
                  os.path.isabs(t["first_record"]["log.file.path"]) else t["first_record"]["log.file.path"],
                  "rb") as f:
            f.seek(t["first_record"]["log.offset"])
            line = f.readline().decode()
        check("out=148220901" in line, "the figure's first record is the logout line: %r" % line[:80])
    check(s["intruder_addresses"] == ["203.0.113.45"], "intruder addresses: %s" % s["intruder_addresses"])
    check(s["summary"]["bytes_taken"] == 148220901, "bytes taken total")
    kinds = {(e["kind"], e["value"]) for e in s["entities"]}
    check(("host", "mail01.moea.gov.example") in kinds and ("ip", "203.0.113.45") in kinds, "entities")
    tactics = {k["tactic"] for k in s["kill_chain"]}
    check({"Initial Access", "Credential Access", "Execution"} <= tactics, "kill chain tactics: %s" % tactics)
    # scoped questions
    s2 = scope(db, "--account", "WANG.HAO")
    check(s2["summary"]["alerts"] == 3, "--account is case-insensitive and selects 3 alerts")
    s3 = scope(db, "--since", "2024-03-11T02:00:00Z")
    check(s3["summary"]["alerts"] == 2, "--since selects the 2 later alerts")
    s4 = scope(db, "--until", "2024-03-11T02:00:00Z")
    check(s4["summary"]["alerts"] == 5, "--until selects the 5 earlier alerts")
    r = spoor("scope", db, "--since", "yesterday")
    check(r.returncode == 2 and "not a time" in r.stderr, "a bad time is a usage error")
    # re-running the same input adds nothing
    before = sqlite3.connect(db).execute("select (select count(*) from alerts), (select count(*) from events),"
                                         " (select sum(events) from flows)").fetchone()
    hunt(db)
    after = sqlite3.connect(db).execute("select (select count(*) from alerts), (select count(*) from events),"
                                        " (select sum(events) from flows), (select count(*) from runs)").fetchone()
    check(before[:3] == after[:3], "a second hunt over the same input adds no alert, event or volume: %s %s" % (before, after))
    check(after[3] == 2, "both runs are recorded")
    # events referenced by alerts: raw bytes and the normalised form
    raw, doc = sqlite3.connect(db).execute("select raw, doc from events order by id limit 1").fetchone()
    check(len(raw) > 0 and json.loads(doc).get("log.file.path"), "events keep raw bytes and normalised JSON")
    # table and CSV
    r = spoor("scope", db)
    check(r.returncode == 0 and "wang.hao@moea.gov.example" in r.stdout and "TAKEN" in r.stdout, "table output")
    r = spoor("scope", db, "--format", "csv")
    check(r.returncode == 0 and r.stdout.startswith("section,kind,name") and "data_taken,mailbox" in r.stdout,
          "CSV output")
    # report
    html = os.path.join(tmp, "report.html")
    r = spoor("report", db, "-o", html)
    check(r.returncode == 0, "report exits 0")
    text = open(html).read()
    check('id="sum-alerts" data-value="7"' in text, "report summary = scope summary")
    check("http://" not in text and "https://" not in text and "src=" not in text, "no external resource")
    for chart in ("chart-timeline", "chart-chain", "chart-heatmap", "chart-taken", "chart-graph"):
        check('id="%s"' % chart in text, "chart %s present" % chart)
    r = spoor("report", db, "--format", "md")
    check(r.returncode == 0 and r.stdout.startswith("# spoor case report") and "| alerts | 7 |" in r.stdout,
          "Markdown report")
    # damaged, foreign and future files
    bad = os.path.join(tmp, "bad.db")
    with open(bad, "wb") as f:
        f.write(b"this is not a database" * 100)
    r = spoor("scope", bad)
    check(r.returncode == 1 and "bad.db" in r.stderr, "a damaged case: exit 1 with the file named: " + r.stderr)
    torn = os.path.join(tmp, "torn.db")
    with open(db, "rb") as f:
        blob = bytearray(f.read())
    for i in range(4096, len(blob), 4096):  # every page but the header
        blob[i + 100:i + 400] = b"\xff" * 300
    with open(torn, "wb") as f:
        f.write(blob)
    r = spoor("scope", torn)
    check(r.returncode == 1 and ("damaged" in r.stderr or "malformed" in r.stderr), "corrupted pages: " + r.stderr)
    foreign = os.path.join(tmp, "foreign.db")
    c = sqlite3.connect(foreign)
    c.execute("create table t(x)")
    c.commit()
    c.close()
    r = spoor("scope", foreign)
    check(r.returncode == 1 and "not a spoor case" in r.stderr, "a foreign SQLite file: " + r.stderr)
    r = hunt(foreign)
    check(r.returncode == 1 and "not a spoor case" in r.stderr, "hunt refuses a foreign SQLite file")
    future = os.path.join(tmp, "future.db")
    with open(db, "rb") as a, open(future, "wb") as b:
        b.write(a.read())
    c = sqlite3.connect(future)
    c.execute("pragma user_version = 99")
    c.commit()
    c.close()
    r = spoor("scope", future)
    check(r.returncode == 1 and "schema version 99" in r.stderr, "a newer schema is refused: " + r.stderr)
    r = spoor("scope", os.path.join(tmp, "missing.db"))
    check(r.returncode == 1 and "no such case" in r.stderr, "a missing case")
    # readers while a hunt writes (WAL): a long hunt over many copies of the demo mail log
    big = os.path.join(tmp, "big")
    os.mkdir(big)
    mail = open(os.path.join(DEMO, "mail.log")).read()
    for i in range(40):
        with open(os.path.join(big, "mail-%02d.log" % i), "w") as f:
            f.write(mail * 50)
    live = os.path.join(tmp, "live.db")
    w = subprocess.Popen([BIN, "hunt", "--rules", os.path.join(SRC, "rules"), "--case", live, "--year", "2024",
                          "-q", big], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reads = ok = 0
    while w.poll() is None or reads == 0:
        if os.path.exists(live):
            r = spoor("scope", live, "--format", "json")
            reads += 1
            ok += r.returncode == 0 or "not a spoor case" in r.stderr or "empty database" in r.stderr
        if reads > 200:
            break
    w.wait()
    check(w.returncode in (0, 3), "the writing hunt completes: %d" % w.returncode)
    check(reads > 0 and ok == reads, "%d of %d concurrent scope reads succeeded" % (ok, reads))
    s = scope(live)
    check(s.get("summary", {}).get("alerts", -1) >= 0, "scope after the concurrent write")
    print("%d checks failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
