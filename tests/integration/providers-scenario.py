#!/usr/bin/env python3
"""Provider-scope analytics on a generated scenario with truth.

Builds an inventory (agencies, providers with windows in several IANA zones,
contracts, restricted host groups, service accounts) and logs in three real
formats (Windows 4624 JSON as evtx_dump writes it, sshd auth.log, M365 UAL),
made of provider sessions, each either compliant or with planted violations,
plus agency-internal noise.  Runs `spoor hunt --inventory` and compares every
finding with the truth per (file, line, violation kind): prints precision and
recall per kind and fails unless both are 1.  Then traces accounts that were
used from a provider's jump host and checks that the trace reaches that
provider.  The generator decides violations from the inventory it wrote,
with times well inside or outside windows; it does not run spoor's code.

Usage: providers-scenario.py [SEED] (env SPOOR_BIN: the spoor binary)."""
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import zoneinfo

SPOOR = os.environ.get("SPOOR_BIN")
if not SPOOR or not os.path.exists(SPOOR):
    print("SKIP: SPOOR_BIN not set")
    sys.exit(77)
try:
    zoneinfo.ZoneInfo("Europe/Berlin")
except Exception:
    print("SKIP: no zoneinfo")
    sys.exit(77)

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 7
R = random.Random(seed)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney"]
ROLES = ["dc", "web", "file", "app", "ws"]
KINDS = {
    "unserved": "spoor-provider-unserved-agency",
    "host": "spoor-provider-host-not-allowed",
    "window": "spoor-provider-outside-window",
    "contract": "spoor-provider-outside-contract",
    "source": "spoor-provider-foreign-source",
    "interactive": "spoor-provider-service-interactive",
}
RULE2KIND = {v: k for k, v in KINDS.items()}

# ---- inventory ----
agencies = []
for a in range(8):
    hosts = [{"name": "ag%d-%s%02d" % (a, ROLES[h % 5], h), "ip": "10.%d.%d.%d" % (a + 1, h // 200, h % 200 + 10),
              "role": ROLES[h % 5]} for h in range(15)]
    agencies.append({"id": "ag%d" % a, "mail": "ag%d.gov.example" % a, "ad": "AG%d" % a,
                     "net": "10.%d.0.0/16" % (a + 1), "hosts": hosts})
providers = []
for p in range(20):
    served = R.sample(range(8), 2)
    restricted = R.choice([None, ["web", "app"], ["dc"]])
    ended = p % 5 == 0
    providers.append({
        "id": "pv%02d" % p, "net": "100.%d.%d.0/24" % (64 + p // 200, p), "jump": "100.%d.%d.250" % (64 + p // 200, p),
        "accounts": ["pv%02d-op1" % p, "pv%02d-op2" % p], "service": "pv%02d-svc" % p,
        "served": served, "restricted": restricted, "tz": R.choice(ZONES),
        "start": dt.date(2025, 1, 1), "end": dt.date(2026, 3, 31) if ended else dt.date(2027, 12, 31),
    })

def inventory_yaml():
    out = ["agencies:"]
    for a in agencies:
        out.append("  - id: %s\n    mail_domains: [%s]\n    ad_domains: [%s]\n    networks: [%s]\n    hosts:"
                   % (a["id"], a["mail"], a["ad"], a["net"]))
        for h in a["hosts"]:
            out.append("      - {name: %s, ip: %s, role: %s}" % (h["name"], h["ip"], h["role"]))
    out.append("providers:")
    for p in providers:
        out.append("  - id: %s\n    source_networks: [%s]\n    jump_hosts: [%s]" % (p["id"], p["net"], p["jump"]))
        out.append("    accounts: [%s, %s, {name: %s, service: true}]" % (p["accounts"][0], p["accounts"][1], p["service"]))
        out.append("    serves:")
        for i, a in enumerate(p["served"]):
            if i == 0 and p["restricted"]:
                out.append("      - {agency: ag%d, hosts: [%s]}" % (a, ", ".join('"role:%s"' % r for r in p["restricted"])))
            else:
                out.append("      - agency: ag%d" % a)
        out.append('    windows: [{days: mon-fri, start: "07:00", end: "19:00", tz: %s}]' % p["tz"])
        out.append("    contract: {start: %s, end: %s}" % (p["start"], p["end"]))
    return "\n".join(out) + "\n"

# ---- sessions ----
def local_time(p, inside, day0):
    """A UTC datetime whose local time in p's zone is well inside (Mon-Fri
    09:00-17:00) or well outside (Sat/Sun, or 21:00-05:00) the window."""
    z = zoneinfo.ZoneInfo(p["tz"])
    d = day0
    while True:
        d = d + dt.timedelta(days=1)
        wd = d.weekday()
        if inside and wd < 5:
            t = dt.datetime(d.year, d.month, d.day, R.randint(9, 16), R.randint(0, 59), tzinfo=z)
            break
        if not inside:
            if wd >= 5:
                t = dt.datetime(d.year, d.month, d.day, R.randint(0, 23), R.randint(0, 59), tzinfo=z)
                break
            if R.random() < 0.5:
                t = dt.datetime(d.year, d.month, d.day, R.choice([21, 22, 23, 0, 1, 2, 3, 4]), R.randint(0, 59), tzinfo=z)
                break
    return t.astimezone(dt.timezone.utc)

def rand_day(start, end):
    span = (end - start).days
    return start + dt.timedelta(days=R.randint(0, max(span - 9, 0)))

win_lines, ssh_lines, ual_lines = [], [], []
truth = {}  # (file, line) -> set(kinds)
jump_traces = []  # (account, provider) used from a provider jump host
rid = [5000]

def add_win(t, host, user, dom, ip, lt):
    rid[0] += 1
    win_lines.append(json.dumps({"Event": {"System": {
        "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}}, "EventID": 4624,
        "Channel": "Security", "Computer": host, "TimeCreated": {"#attributes": {"SystemTime": t.strftime("%Y-%m-%dT%H:%M:%SZ")}},
        "EventRecordID": rid[0], "Keywords": "0x8020000000000000"},
        "EventData": {"TargetUserName": user, "TargetDomainName": dom, "LogonType": lt, "IpAddress": ip, "IpPort": "50000"}}}))
    return ("win.jsonl", len(win_lines))

ssh_pending = []  # (time, text, kinds): syslog has no year, so the file must be in time order

def add_ssh(t, host, user, ip, method):
    ssh_pending.append((t, "%s %2d %s %s sshd[%d]: Accepted %s for %s from %s port 50000 ssh2"
                        % (t.strftime("%b"), t.day, t.strftime("%H:%M:%S"), host, R.randint(100, 60000), method, user, ip)))
    return ("auth.log", -len(ssh_pending))  # placeholder key, renumbered below

def add_ual(t, user, ip):
    ual_lines.append(json.dumps({"CreationTime": t.strftime("%Y-%m-%dT%H:%M:%S"), "Id": "s%d" % len(ual_lines),
                                 "Operation": "UserLoggedIn", "OrganizationId": "org", "RecordType": 15,
                                 "ResultStatus": "Success", "UserKey": "k", "UserType": 0, "Version": 1,
                                 "Workload": "AzureActiveDirectory", "ClientIP": ip, "ObjectId": "x", "UserId": user}))
    return ("ual.jsonl", len(ual_lines))

def ip_in(net, last):
    a = net.split("/")[0].split(".")
    return "%s.%s.%s.%d" % (a[0], a[1], a[2], last)

for s in range(1500):
    p = providers[R.randrange(len(providers))]
    kinds = set()
    fmt = R.choice(["win", "win", "ssh", "ual"])
    # agency
    if R.random() < 0.1:
        kinds.add("unserved")
        ag = R.choice([a for a in range(8) if a not in p["served"]])
    else:
        ag = R.choice(p["served"])
    A = agencies[ag]
    allowed = [h for h in A["hosts"]] if not (ag == p["served"][0] and p["restricted"]) else \
        [h for h in A["hosts"] if h["role"] in p["restricted"]]
    if fmt != "ual" and "unserved" not in kinds and len(allowed) < len(A["hosts"]) and R.random() < 0.25:
        kinds.add("host")
        host = R.choice([h for h in A["hosts"] if h not in allowed])
    else:
        host = R.choice(allowed if "unserved" not in kinds else A["hosts"])
    # time: 2026, inside or after the contract
    if p["end"] < dt.date(2027, 1, 1) and R.random() < 0.3:
        kinds.add("contract")
        day0 = rand_day(p["end"] + dt.timedelta(days=2), dt.date(2026, 12, 1))
    else:
        day0 = rand_day(dt.date(2026, 1, 5), min(p["end"], dt.date(2026, 12, 1)) - dt.timedelta(days=10))
    inside = R.random() >= 0.15
    if not inside:
        kinds.add("window")
    t = local_time(p, inside, day0)
    if "contract" not in kinds and t.date() >= p["end"]:
        kinds.add("contract")
    # identity and source
    service = R.random() < 0.2
    user = p["service"] if service else R.choice(p["accounts"])
    interactive = R.random() < 0.5
    if service and interactive:
        kinds.add("interactive")
    if R.random() < 0.1:
        kinds.add("source")
        src = "198.18.%d.%d" % (R.randint(0, 255), R.randint(1, 254))
    else:
        src = R.choice([ip_in(p["net"], R.randint(1, 200)), p["jump"]])
    if fmt == "win":
        key = add_win(t, host["name"], user, A["ad"], src, 10 if interactive else 3)
    elif fmt == "ssh":
        key = add_ssh(t, host["name"], user, src, "password" if interactive else "publickey")
    else:
        if service and not interactive:
            kinds.discard("interactive")
            # UAL sign-ins are interactive: a service account there is always a violation
            kinds.add("interactive")
        key = add_ual(t, "%s@%s" % (user, A["mail"]), src)
    truth[key] = kinds

# agency accounts used from a provider jump host (compromised via the provider): in scope
for i in range(10):
    p = providers[i]
    A = agencies[p["served"][1]]
    user = "ag-user%02d" % i
    t = local_time(p, True, dt.date(2026, 2, 2))
    truth[add_win(t, R.choice(A["hosts"])["name"], user, A["ad"], p["jump"], 3)] = set()
    jump_traces.append((user, p["id"]))

# agency-internal noise: no provider involved
for i in range(1500):
    A = agencies[R.randrange(8)]
    t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=R.randint(0, 500000))
    src = ip_in(A["net"], R.randint(1, 250))
    truth[add_win(t, R.choice(A["hosts"])["name"], "staff%03d" % R.randint(0, 300), A["ad"], src,
                  R.choice([2, 3, 10]))] = set()

# auth.log in time order; the truth follows the lines
order = sorted(range(len(ssh_pending)), key=lambda i: ssh_pending[i][0])
for line, i in enumerate(order, 1):
    ssh_lines.append(ssh_pending[i][1])
    truth[("auth.log", line)] = truth.pop(("auth.log", -(i + 1)))

tmp = tempfile.mkdtemp(prefix="spoor-prov-")
files = {"inv.yaml": inventory_yaml(), "win.jsonl": "\n".join(win_lines) + "\n",
         "auth.log": "\n".join(ssh_lines) + "\n", "ual.jsonl": "\n".join(ual_lines) + "\n"}
for n, text in files.items():
    with open(os.path.join(tmp, n), "w") as f:
        f.write(text)
args = ["--year", "2026", "--inventory", "inv.yaml", "win.jsonl", "auth.log", "ual.jsonl"]
r = subprocess.run([SPOOR, "hunt", "--no-progress"] + args, cwd=tmp, capture_output=True, text=True)
if r.returncode != 0:
    print("spoor hunt failed:", r.returncode, r.stderr)
    sys.exit(1)
found = {}
for line in r.stdout.splitlines():
    a = json.loads(line)
    k = RULE2KIND.get(a["rule.id"])
    if not k:
        continue
    found.setdefault((a["log.file.path"], a["spoor.line"]), set()).add(k)

ok = True
print("kind            truth  found     TP   FP   FN  precision  recall")
for k in KINDS:
    t = {key for key, ks in truth.items() if k in ks}
    f = {key for key, ks in found.items() if k in ks}
    tp, fp, fn = len(t & f), len(f - t), len(t - f)
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    print("%-14s %6d %6d %6d %4d %4d %10.3f %7.3f" % (k, len(t), len(f), tp, fp, fn, prec, rec))
    for key in sorted(f - t)[:3]:
        print("  FP", k, key, "truth", sorted(truth.get(key, [])), "found", sorted(found.get(key, [])))
    for key in sorted(t - f)[:3]:
        print("  FN", k, key, "truth", sorted(truth.get(key, [])), "found", sorted(found.get(key, [])))
    ok = ok and fp == 0 and fn == 0
clean = [key for key, ks in truth.items() if not ks]
noisy = [key for key in clean if key in found]
print("sessions: %d with violations, %d clean; clean sessions with a finding: %d"
      % (len(truth) - len(clean), len(clean), len(noisy)))
ok = ok and not noisy

for user, prov in jump_traces:
    r = subprocess.run([SPOOR, "trace", user, "--json", "--no-progress"] + args, cwd=tmp, capture_output=True, text=True)
    provs = [x["provider"] for x in json.loads(r.stdout)["providers"]] if r.returncode == 0 else []
    if prov not in provs:
        print("trace of %s does not reach %s: %s %s" % (user, prov, provs, r.stderr.strip()))
        ok = False
print("traces: %d accounts used from a provider jump host, each traced to its provider: %s"
      % (len(jump_traces), "yes" if ok else "NO"))
for n in files:
    os.unlink(os.path.join(tmp, n))
os.rmdir(tmp)
sys.exit(0 if ok else 1)
