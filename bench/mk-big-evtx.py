#!/usr/bin/env python3
"""bench/mk-big-evtx.py SRC OUT BYTES: one large EVTX file for the
throughput bench: every 64 KiB chunk of every .evtx under SRC (a folder, in
name order, or a comma-separated list of files), repeated until OUT holds
BYTES, behind a fresh file header whose
chunk count matches.  Chunks are independent, so the copy decodes exactly
as the originals do (record ids repeat; that is fine for a bench)."""
import os
import struct
import sys
import zlib

src, out, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
paths = []
if os.path.isdir(src):
    for root, dirs, files in sorted(os.walk(src)):
        dirs.sort()
        paths += [os.path.join(root, f) for f in sorted(files) if f.endswith(".evtx")]
else:
    paths = src.split(",")
chunks = []
for path in paths:
    b = open(path, "rb").read()
    for o in range(4096, len(b) - 65535, 65536):
        c = b[o:o + 65536]
        if c[:8] == b"ElfChnk\0":
            chunks.append(c)
if not chunks:
    sys.exit("mk-big-evtx: no chunks under " + src)
h = bytearray(4096)
h[0:8] = b"ElfFile\0"
struct.pack_into("<I", h, 32, 128)
struct.pack_into("<HHH", h, 36, 1, 3, 4096)
n = 0
with open(out + ".tmp", "wb") as o:
    o.write(h)
    while n * 65536 < target:
        for c in chunks:
            o.write(c)
            n += 1
            if n * 65536 >= target:
                break
    struct.pack_into("<QQ", h, 8, 0, n - 1)
    struct.pack_into("<H", h, 42, min(n, 65535))
    struct.pack_into("<I", h, 124, zlib.crc32(bytes(h[:120])))
    o.seek(0)
    o.write(h)
os.rename(out + ".tmp", out)
print("mk-big-evtx: %d chunks (%d distinct) -> %s" % (n, len(chunks), out))
