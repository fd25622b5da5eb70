#!/usr/bin/env python3
# Writes the adversarial-but-realistic raw memory image of issue 23's target 2 (bench/scan-vs-rg.sh): per 4 KiB page,
# 30% text in which words such as 'cryptsetup:' are separated by the u32 value 1 (4-byte aligned, as kernel memory is
# full of length-prefixed strings: each such word is a key_size candidate followed by a description-like start), 20%
# arrays of small u32 integers (0..299), 25% random bytes and 25% zeros; one golden-vector blob planted 4-byte aligned
# in every 64th MiB (16 in all: 134 keys, so the every-form search has many patterns, the 16-byte keys' 8-byte halves
# among them).
#
#   bench/make-scan-image.py OUT [SIZE_MIB]      # default 1024 MiB
import os, random, struct, sys

random.seed(23)
out = sys.argv[1]
size = (int(sys.argv[2]) if len(sys.argv) > 2 else 1024) << 20
page = 4096
vec = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'spec', 'vectors') + '/'
blobs = [open(vec + n, 'rb').read() for n in ['two-keys.bin', 'big-endian-3-keys.bin', 'max-keys-128.bin', 'one-key.bin']]
words = [b'cryptsetup:', b'cryptsetup', b'logon', b'user:', b'dm-crypt', b'key', b'luks2', b'keyring', b'the', b'volume',
         b'cryptsetup:luks-', b'kdump', b'a:b']
one = struct.pack('<I', 1)


def text_page():
    b = bytearray()
    while len(b) < page:
        w = random.choice(words)
        w += b' ' * (-len(w) % 4)
        b += one + w
    return bytes(b[:page])


def ints_page():
    return b''.join(struct.pack('<I', random.randrange(0, 300)) for _ in range(page // 4))


texts = [text_page() for _ in range(256)]
ints = [ints_page() for _ in range(256)]
zero = bytes(page)
chunk = 1 << 20
with open(out, 'wb') as f:
    for i in range(size // chunk):
        parts = []
        for _ in range(chunk // page):
            r = random.random()
            parts.append(random.choice(texts) if r < 0.30 else random.choice(ints) if r < 0.50
                         else os.urandom(page) if r < 0.75 else zero)
        buf = bytearray(b''.join(parts))
        if i % 64 == 0:
            bl = blobs[(i // 64) % len(blobs)]
            at = random.randrange(0, (chunk - len(bl)) // 4) * 4
            buf[at:at + len(bl)] = bl
        f.write(buf)
