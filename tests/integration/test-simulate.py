#!/usr/bin/env python3
"""spoor simulate end to end: determinism, every log parses with zero bad
records, the ground truth points at real lines that carry what it says, the
summary adds up from those lines, every public address is in geoip.csv, and
spoor's own rules fire on the planted Windows events."""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ.get("SPOOR_BIN")
SRC = os.environ.get("SPOOR_SRC", ".")
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print("FAIL:", msg)


def sim(out, seed, *extra):
    args = [BIN, "simulate", "-q", "--out", out, "--seed", str(seed), "--days", "4", "--mailboxes", "16",
            "--agencies", "4", "--providers", "3", "--scale", "0.3", *extra]
    r = subprocess.run(args, capture_output=True, text=True)
    check(r.returncode == 0, f"simulate {seed} exit {r.returncode}: {r.stderr}")


def files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def truth_consistent(root, seed):
    truth = [json.loads(l) for l in open(os.path.join(root, "truth/truth.jsonl"))]
    summary = json.load(open(os.path.join(root, "truth/summary.json")))
    check(len(truth) == summary["planted_records"], f"seed {seed}: truth lines != planted_records")
    check(len(truth) > 100, f"seed {seed}: only {len(truth)} planted records")
    cache = {}
    taken = {}
    compromised = {}
    first = {}
    kinds = set()
    for t in truth:
        kinds.add(t["kind"])
        if t["file"] not in cache:
            cache[t["file"]] = open(os.path.join(root, t["file"]), "rb").read()
        data = cache[t["file"]]
        off = t["offset"]
        end = data.find(b"\n", off)
        line = data[off:end].decode()
        # the offset is the start of line number `line`
        check(off == 0 or data[off - 1:off] == b"\n", f"seed {seed}: {t['file']} offset {off} not a line start")
        check(data.count(b"\n", 0, off) + 1 == t["line"], f"seed {seed}: {t['file']}:{t['line']} offset/line mismatch")
        check(t["contains"] in line, f"seed {seed}: {t['file']}:{t['line']} lacks {t['contains']!r}: {line[:200]}")
        if "ip" in t:
            check(t["ip"] in line, f"seed {seed}: {t['file']}:{t['line']} lacks ip {t['ip']}")
        if t.get("bytes"):
            check(str(t["bytes"]) in line, f"seed {seed}: {t['file']}:{t['line']} lacks bytes {t['bytes']}")
        if t.get("items", 0) > 1:
            check(str(t["items"]) in line, f"seed {seed}: {t['file']}:{t['line']} lacks items {t['items']}")
        if "bytes" in t:
            k = (t["agency"], t["account"])
            b, i = taken.get(k, (0, 0))
            taken[k] = (b + t["bytes"], i + t["items"])
        if t["behaviour"] == "account-compromise":
            k = (t["agency"], t["account"])
            compromised[k] = min(compromised.get(k, t["ts"]), t["ts"])
        if t["kind"] in ("P_VALID_DOVECOT", "P_VALID_OWA", "P_VALID_ENTRA", "P_RDP_LOGON"):
            first[t["agency"]] = min(first.get(t["agency"], t["ts"]), t["ts"])
    want = {(m["agency"], m["mailbox"]): (m["bytes"], m["items"]) for m in summary["mailboxes_taken"]}
    check(want == taken, f"seed {seed}: mailboxes_taken does not add up from the truth lines")
    acc = {(a["agency"], a["account"]): a["first_use"] for a in summary["accounts_compromised"] if "agency" in a}
    check(set(acc) == set(compromised), f"seed {seed}: accounts_compromised differs from the records")
    for k, ts in acc.items():
        check(compromised.get(k, "")[:19] == ts[:19], f"seed {seed}: first use of {k}")
    ag = {a["agency"]: a["first_compromise"] for a in summary["agencies_compromised"]}
    check(set(ag) == set(first), f"seed {seed}: agencies_compromised differs")
    for k, ts in ag.items():
        check(first[k][:19] == ts[:19], f"seed {seed}: first compromise of {k}")
    check(summary["providers_abused"] and all(any(t["kind"] == "P_JUMP_LOGIN" and t["provider"] == p for t in truth)
                                              for p in summary["providers_abused"]),
          f"seed {seed}: providers_abused not backed by jump-host logins")
    for k in ("P_SPRAY_DOVECOT", "P_SPRAY_OWA", "P_SPRAY_ENTRA", "P_JUMP_LOGIN", "P_RDP_LOGON", "P_SERVICE_INSTALL",
              "P_C2_SSL", "P_EXFIL_CONN", "P_LOG_CLEAR_SEC", "P_UAL_FORWARD", "P_IMAP_DOWNLOAD", "P_EWS_DOWNLOAD"):
        check(k in kinds, f"seed {seed}: no {k} planted")
    # spraying stays below lockout: at most 2 tries per account per day
    import datetime
    per = {}
    for t in truth:
        if t["behaviour"] == "password-spray":
            ts = datetime.datetime.fromisoformat(t["ts"].replace("Z", "+00:00")).timestamp()
            per.setdefault(t["account"], []).append(ts)
    for acc, ts in per.items():
        ts.sort()
        for i in range(len(ts) - 2):
            check(ts[i + 2] - ts[i] > 86400, f"seed {seed}: 3 tries of {acc} within 24 h")
    return truth


def geo_covers(root):
    nets = []
    for l in open(os.path.join(root, "geoip.csv")).read().splitlines()[1:]:
        nets.append(ipaddress.ip_network(l.split(",")[0]))
    rx = re.compile(rb"(?<![\d./])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.])")
    seen = set()
    for rel, data in files(os.path.join(root, "logs")).items():
        if "defender" in rel or "sysmon" in rel:
            continue  # product versions look like addresses
        for m in set(rx.findall(data)):
            seen.add(m.decode())
    missing = []
    for s in seen:
        try:
            ip = ipaddress.ip_address(s)
        except ValueError:
            continue
        if ip.is_private and not any(ip in n for n in nets):
            if ip in ipaddress.ip_network("10.0.0.0/8"):
                continue
        if ip in ipaddress.ip_network("10.0.0.0/8"):
            continue
        if not any(ip in n for n in nets):
            missing.append(s)
    check(not missing, f"public addresses missing from geoip.csv: {missing[:10]}")


def reference_checks(root):
    """JSON lines are valid JSON (Python's parser as the oracle); Zeek TSV
    headers are well formed and every row has one value per field; W3C rows
    have one value per #Fields name."""
    nj = nz = 0
    for rel, data in files(os.path.join(root, "logs")).items():
        text = data.decode()
        lines = text.split("\n")
        check(lines[-1] == "", f"{rel}: no final newline")
        lines = lines[:-1]
        if rel.endswith(".jsonl"):
            for i, l in enumerate(lines):
                try:
                    json.loads(l)
                except ValueError as e:
                    check(False, f"{rel}:{i + 1}: invalid JSON: {e}")
                    break
            nj += 1
        elif "/zeek/" in rel:
            head = [l for l in lines if l.startswith("#")]
            check(head[0] == "#separator \\x09", f"{rel}: separator line {head[0]!r}")
            names = dict(l[1:].split("\t", 1) for l in head[1:] if "\t" in l)
            for k in ("set_separator", "empty_field", "unset_field", "path", "open", "fields", "types"):
                check(k in names, f"{rel}: no #{k}")
            nf = len(names["fields"].split("\t"))
            check(nf == len(names["types"].split("\t")), f"{rel}: #fields and #types differ in length")
            check(rel.endswith(names["path"] + ".log"), f"{rel}: #path {names['path']}")
            bad = [i for i, l in enumerate(lines) if not l.startswith("#") and len(l.split("\t")) != nf]
            check(not bad, f"{rel}: rows with the wrong number of values, first at line {bad[:1]}")
            nz += 1
        elif rel.endswith("u_ex.log"):
            fields = [l for l in lines if l.startswith("#Fields: ")][0].split()[1:]
            bad = [i for i, l in enumerate(lines) if not l.startswith("#") and len(l.split(" ")) != len(fields)]
            check(not bad, f"{rel}: W3C rows with the wrong number of values, first at line {bad[:1]}")
    print(f"reference checks: {nj} JSON-lines files valid, {nz} Zeek TSV files well formed")


def fail2ban(root):
    """fail2ban's own filters read the simulated syslog as real Postfix,
    Dovecot and sshd lines: every failure line matches, nothing else."""
    exe = shutil.which("fail2ban-regex")
    if not exe:
        print("note: fail2ban-regex not installed (Debian package fail2ban); its check is skipped")
        return

    def matched(path, flt):
        r = subprocess.run([exe, path, flt], capture_output=True, text=True)
        m = re.search(r"Lines: \d+ lines, \d+ ignored, (\d+) matched", r.stdout)
        check(m is not None, f"fail2ban-regex {flt} on {path}: {r.stdout[-300:]} {r.stderr[-300:]}")
        return int(m.group(1)) if m else -1

    n = 0
    for d, _, fs in os.walk(os.path.join(root, "logs")):
        for f in fs:
            p = os.path.join(d, f)
            text = open(p, errors="replace").read()
            if f == "maillog":
                want = text.count("(auth failed,")
                check(want > 0 and matched(p, "dovecot") == want, f"fail2ban dovecot on {p}: want {want}")
                want = text.count("SASL LOGIN authentication failed")
                check(want > 0 and matched(p, "postfix[mode=auth]") == want, f"fail2ban postfix on {p}: want {want}")
                n += 2
            elif f == "auth.log":
                want = text.count("Failed password") + text.count(": Invalid user ")
                check(want > 0 and matched(p, "sshd") == want, f"fail2ban sshd on {p}: want {want}")
                n += 1
    print(f"fail2ban-regex: {n} file/filter pairs match exactly the failure lines")


def main():
    if not BIN:
        print("SPOOR_BIN not set")
        return 1
    tmp = tempfile.mkdtemp(prefix="spoor-sim-")
    try:
        a, b, c = (os.path.join(tmp, x) for x in "abc")
        sim(a, 11)
        sim(b, 11)
        sim(c, 12)
        fa, fb, fc = files(a), files(b), files(c)
        check(fa == fb, "same seed gave different output: " + ", ".join(k for k in fa if fa.get(k) != fb.get(k))[:300])
        check(fa["truth/truth.jsonl"] != fc["truth/truth.jsonl"], "different seeds gave the same campaign")
        check(len(fa) >= 40, f"only {len(fa)} files")
        # every file parses with zero bad records
        r = subprocess.run([BIN, "stats", "--no-progress", os.path.join(a, "logs")], capture_output=True, text=True)
        check(r.returncode == 0, f"stats exit {r.returncode}: {r.stderr[-500:]}")
        check(re.search(r"bad records\s+0 ", r.stdout) is not None, "stats reports bad records:\n" + r.stdout[:800])
        for seed, d in ((11, a), (12, c)):
            truth_consistent(d, seed)
        d = os.path.join(tmp, "d")
        sim(d, 99, "--agencies", "7", "--days", "9")
        truth = truth_consistent(d, 99)
        geo_covers(a)
        reference_checks(a)
        fail2ban(a)
        # spoor's own rules fire on the planted Windows events
        r = subprocess.run([BIN, "hunt", "--no-progress", "-q", "--rules", os.path.join(SRC, "rules"),
                            os.path.join(d, "logs")], capture_output=True, text=True)
        check(r.returncode == 0, f"hunt exit {r.returncode}: {r.stderr[-500:]}")
        alerts = {(os.path.relpath(j["log.file.path"], d), j["spoor.line"]): j["rule.name"]
                  for j in map(json.loads, r.stdout.splitlines())}
        want = [t for t in truth if t["kind"] in ("P_SERVICE_INSTALL", "P_LOG_CLEAR_SEC", "P_LOG_CLEAR_SYS",
                                                  "P_DEFENDER_PLEAD")]
        check(len(want) >= 5, f"only {len(want)} planted records for spoor's rules")
        for t in want:
            check((t["file"], t["line"]) in alerts, f"no alert for {t['kind']} at {t['file']}:{t['line']}")
        hits = sum((t["file"], t["line"]) in alerts for t in want)
        print(f"rules: {hits}/{len(want)} planted Windows records alerted; {len(alerts)} alerts in all "
              f"({len(alerts) - hits} on benign records: admin log clears)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED" if fails else "ok", len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
