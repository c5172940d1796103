#!/usr/bin/env python3
"""Memory of the analytics stays under its caps on a stream of 1M distinct
identities and sources.

Streams N (default 1,000,000) Dovecot failed logons, each from a new
account and a new address, into `spoor hunt --analytics` with small caps,
and checks that (1) the process's peak RSS stays under a bound derived
from the caps, (2) the caps were hit and what they turned away is counted
in the summary, (3) the run still finds the spray planted at the end from
one source against accounts it had already seen... no: against accounts
kept before the caps filled (state is never evicted for newcomers).
Usage: analytics-memory.py [--sanitized] [N]     (meson passes --sanitized in sanitizer builds)
"""
import os
import re
import resource
import subprocess
import sys
import tempfile

BIN = os.environ.get("SPOOR_BIN", "spoor")
args = [a for a in sys.argv[1:] if a != "--sanitized"]
N = int(args[0]) if args else 1000000
CAP_MB = 160  # process peak, with the caps below
# a sanitizer build neither has the memory profile nor the speed: run a tenth
# of the stream there and check the caps and counts only.  meson says so
# (--sanitized); ldd cannot tell for clang, which links ASan statically.
sanitized = ("--sanitized" in sys.argv or os.environ.get("SPOOR_SANITIZED") == "1"
             or b"libasan" in subprocess.run(["ldd", BIN], capture_output=True).stdout)
if sanitized:
    N //= 10
    CAP_MB = 1 << 20

cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
cfg.write("limits:\n  names: 200000\n  name_bytes: 16000000\n  entries: 100000\n  list: 64\n  memory: 33554432\n")
cfg.close()
p = subprocess.Popen([BIN, "hunt", "--analytics-config", cfg.name, "-v", "--year", "2026"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def gen():
    buf = []
    # the spray first, so its state is kept before the caps fill
    for i in range(30):
        buf.append("Mar  1 00:%02d:00 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): "
                   "user=<victim%02d@moea.gov.example>, method=PLAIN, rip=185.220.101.7, lip=10.0.0.1, TLS, "
                   "session=<v%d>\n" % (i, i, i))
    for i in range(N):
        a, b, c = (i >> 16) & 255, (i >> 8) & 255, i & 255
        buf.append("Mar  1 %02d:%02d:%02d mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): "
                   "user=<user%07d@agency%d.gov.example>, method=PLAIN, rip=10.%d.%d.%d, lip=10.0.0.1, TLS, "
                   "session=<s%d>\n" % (1 + (i // 3600) % 22, (i // 60) % 60, i % 60, i, i % 50, a, b, c, i))
        if len(buf) >= 20000:
            yield "".join(buf).encode()
            buf = []
    yield "".join(buf).encode()


import threading

err = []
t = threading.Thread(target=lambda: err.append(p.stderr.read()))
t.start()
out_chunks = []
t2 = threading.Thread(target=lambda: out_chunks.append(p.stdout.read()))
t2.start()
for chunk in gen():
    p.stdin.write(chunk)
p.stdin.close()
rc = p.wait()
t.join()
t2.join()
os.unlink(cfg.name)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
rss_mb = ru.ru_maxrss / 1024.0
stderr = err[0].decode(errors="replace")
out = out_chunks[0].decode(errors="replace")
m = re.search(r"state: (\d+) names, (\d+) KiB of lists; (\d+) entries turned away by caps", stderr)
fails = []
if rc != 0:
    fails.append("exit %d: %s" % (rc, stderr[-500:]))
if not m:
    fails.append("no analytics summary in: %s" % stderr[-500:])
else:
    names, kib, away = int(m.group(1)), int(m.group(2)), int(m.group(3))
    print("%d records, %d distinct identities and sources: peak RSS %.0f MiB (bound %d), %d names kept, "
          "%d KiB of lists, %d turned away by caps" % (N + 30, 2 * N, rss_mb, CAP_MB, names, kib, away))
    if names > 200000:
        fails.append("names %d above the cap" % names)
    if kib > 32768:
        fails.append("lists %d KiB above the cap" % kib)
    if away == 0:
        fails.append("caps never hit on %d identities" % N)
    if sanitized:
        print("(sanitizer build: %d records, RSS not bounded)" % N)
if rss_mb > CAP_MB:
    fails.append("peak RSS %.0f MiB above %d" % (rss_mb, CAP_MB))
if "185.220.101.7" not in out:
    fails.append("the spray planted before the flood was not found")
for f in fails:
    print("FAIL", f)
sys.exit(1 if fails else 0)
