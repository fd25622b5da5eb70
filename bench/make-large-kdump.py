#!/usr/bin/env python3
# Writes a kdump-compressed dump (diskdump header version 6, x86_64, zlib) of a large memory with little file: GIB GiB of
# RAM whose pages come in runs of RUN stored pages and RUN excluded ones (as makedumpfile -d 31 leaves them), each stored
# page's data its own copy of one small zlib-compressed page (distinct offsets, as in a real dump, where every page's data
# is its own). 64 GiB of memory take 8 Mi descriptors and a 680 MB file. For issue 23's target 4 (bench/scan-scale.sh):
# the reader's memory must not grow with the pages.
#
#   bench/make-large-kdump.py OUT GIB [RUN]      # RUN default 256 pages
import importlib.util
import os
import struct
import sys
import zlib

# The header writer of make-kdump.py (a script name with a hyphen: loaded by path).
_spec = importlib.util.spec_from_file_location('make_kdump', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'make-kdump.py'))
kdump = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kdump)

PAGE = kdump.PAGE
path, gib = sys.argv[1], int(sys.argv[2])
run = int(sys.argv[3]) if len(sys.argv) > 3 else 256
assert run % 8 == 0, "RUN must be a multiple of 8"
pages = (gib << 30) // PAGE
half = (pages + 7) // 8
bitmap_blocks = (2 * half + PAGE - 1) // PAGE
bitmap_blocks += bitmap_blocks % 2
half = bitmap_blocks * PAGE // 2
stored = (pages // (2 * run)) * run

# The second bitmap: RUN bits set, RUN clear, over the pages; the first: every page is RAM.
unit = bytes([0xff] * (run // 8) + [0] * (run // 8))
present = (unit * (pages // (2 * run)) + bytes(half))[:half]
ram = (b'\xff' * (pages // 8) + bytes(half))[:half]

page = bytearray(PAGE)
page[0:16] = b'a large dump    '
packed = zlib.compress(bytes(page), 1)
desc_at = 2 * PAGE + bitmap_blocks * PAGE
data_at = desc_at + 24 * stored
with open(path, 'wb') as out:
    out.write(kdump.headers(kdump.FLAGS['zlib'], bitmap_blocks, pages, 31, data_at + stored * len(packed)) + ram + present)
    step = 1 << 16
    for first in range(0, stored, step):
        count = min(step, stored - first)
        out.write(b''.join(struct.pack('<qIIQ', data_at + (first + k) * len(packed), len(packed), 1, 0) for k in range(count)))
    out.write(packed * stored)
    out.write(kdump.VMCOREINFO)
