#!/usr/bin/env python3
"""Differential test: spoor's EVTX parser against libevtx's evtxexport.

For every .evtx file under evtx/mitre-attack-cc0/ of the shared data, both
tools render every record; per record (matched by EventRecordID) the digest
(EventID, Channel, Computer, TimeCreated to the microsecond, every named
EventData value) must be equal wherever evtxexport could render the record.
Records evtxexport fails on (it stops at binary-XML token 0x05 and similar)
must still come out of spoor.  Prints per-file counts and every difference;
exits 1 on any difference, 77 (skip) when the data or evtxexport is absent.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def usec(t):
    # "2022-01-24T20:11:11.361955600Z" -> "2022-01-24T20:11:11.361955"
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$", t or "")
    if not m:
        return t
    frac = (m.group(2) or "").ljust(6, "0")[:6]
    return m.group(1) + "." + frac


def export_records(path):
    """evtxexport's records: {record_id: digest} (unparsable blocks skipped)."""
    p = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True)
    text = p.stdout.decode("utf-8", "replace")
    out = {}
    for block in re.findall(r"<Event xmlns=.*?</Event>", text, re.S):
        try:
            ev = ET.fromstring(block)
        except ET.ParseError:
            continue
        sysn = ev.find(NS + "System")
        if sysn is None:
            continue
        rid = sysn.findtext(NS + "EventRecordID")
        tc = sysn.find(NS + "TimeCreated")
        data = {}
        ed = ev.find(NS + "EventData")
        if ed is not None:
            for d in ed.findall(NS + "Data"):
                name = d.get("Name")
                if name:
                    data[name] = (d.text or "")
        out[int(rid)] = {
            "EventID": (sysn.findtext(NS + "EventID") or "").strip(),
            "Channel": sysn.findtext(NS + "Channel") or "",
            "Computer": sysn.findtext(NS + "Computer") or "",
            "TimeCreated": usec(tc.get("SystemTime") if tc is not None else ""),
            "data": data,
        }
    return out


def spoor_records(spoor, path):
    """spoor's records of the log, and how many it carved from slack space
    (older records, often of another log, left in unused chunk space;
    marked spoor.recovered = slack; evtxexport does not carve)."""
    p = subprocess.run([spoor, "cat", "--no-progress", "-q", path], capture_output=True)
    out = {}
    slack = 0
    for line in p.stdout.decode("utf-8").splitlines():
        raw = json.loads(line)["raw"]
        if raw.get("spoor.recovered") == "slack":
            slack += 1
            continue
        rid = raw.get("EventRecordID")
        if rid is None:
            continue
        out[int(rid)] = raw
    return out, slack, p.returncode


HEX = re.compile(r"^0x[0-9a-fA-F]+$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")


def same(want, have):
    """Equal up to the documented normalisations: spoor (like evtx_dump, and
    the Sigma rules written against it) trims text, writes hex integers
    without zero padding and GUIDs without braces; XML parsing turns CR LF
    into LF on evtxexport's side."""
    if have is None:
        return want.strip() == ""
    w = want.replace("\r\n", "\n").strip()
    h = have.replace("\r\n", "\n").strip()
    if w == h:
        return True
    if ISO.match(w) and ISO.match(h):
        return usec(w) == usec(h)  # spoor, like evtx_dump, keeps microseconds
    if HEX.match(w) and HEX.match(h):
        return int(w, 16) == int(h, 16)
    if GUID.match(w) and GUID.match(h):
        return w.strip("{}").upper() == h.strip("{}").upper()
    return False


def text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def main():
    data = os.environ.get("SPOOR_SHARED_DATA", "")
    spoor = os.environ.get("SPOOR_BIN", "")
    root = os.path.join(data, "evtx", "mitre-attack-cc0")
    if not data or not os.path.isdir(root):
        skip("shared data not found: set SPOOR_SHARED_DATA to the ../shared/data folder")
    if not shutil.which("evtxexport"):
        skip("evtxexport not installed (Debian package libevtx-utils; `make test` installs it)")
    files = []
    for d, _, names in os.walk(root):
        files += [os.path.join(d, n) for n in names if n.endswith(".evtx")]
    files.sort()
    tot_spoor = tot_export = tot_cmp = tot_only_spoor = tot_slack = 0
    diffs = []
    for f in files:
        exp = export_records(f)
        got, slack, rc = spoor_records(spoor, f)
        tot_slack += slack
        tot_spoor += len(got)
        tot_export += len(exp)
        missing = sorted(set(exp) - set(got))
        for rid in missing:
            diffs.append("%s: record %d rendered by evtxexport, missing in spoor" % (f, rid))
        tot_only_spoor += len(set(got) - set(exp))
        for rid, e in exp.items():
            g = got.get(rid)
            if g is None:
                continue
            tot_cmp += 1
            checks = [("EventID", e["EventID"], text(g.get("EventID"))),
                      ("Channel", e["Channel"], text(g.get("Channel"))),
                      ("Computer", e["Computer"], text(g.get("Computer"))),
                      ("TimeCreated", e["TimeCreated"], usec(text(g.get("TimeCreated_SystemTime"))))]
            for k, v in e["data"].items():
                checks.append((k, v, text(g.get(k))))
            for name, want, have in checks:
                if not same(want, have):
                    diffs.append("%s: record %d %s: evtxexport %r, spoor %r" % (f, rid, name, want, have))
    print("files %d; records: spoor %d (+ %d carved from slack), evtxexport %d, compared %d, only spoor decodes %d; "
          "differences %d" % (len(files), tot_spoor, tot_slack, tot_export, tot_cmp, tot_only_spoor, len(diffs)))
    for d in diffs[:50]:
        print("DIFF " + d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
