# Writes a 1 GiB raw image of realistic content for the scan comparison (compare-scan.sh): 16 KiB runs of random
# bytes, English text with 'cryptsetup', arrays of small little-endian integers (the words that look most like key_size)
# and zeros, with one golden-vector blob or entry planted 4-byte aligned in every 64th MiB (16 in all).
import os, random, struct, sys
random.seed(1)
size = 1 << 30
vec = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'spec', 'vectors') + '/'
blobs = [open(vec+n,'rb').read() for n in ['two-keys.bin','big-endian-3-keys.bin','max-keys-128.bin','one-key.bin']]
text = (b"cryptsetup is a utility used to conveniently set up disk encryption based on the DMCrypt kernel module. key logon user\n" * 64)
ints = b''.join(struct.pack('<I', random.randrange(0, 300)) for _ in range(4096))
chunk = 1 << 20
with open(sys.argv[1] if len(sys.argv) > 1 else '/tmp/scan-1g.raw', 'wb') as f:
    for i in range(size // chunk):
        parts = []
        n = 0
        while n < chunk:
            k = random.randrange(4)
            if k == 0: b = os.urandom(16384)
            elif k == 1: b = text[:16384]
            elif k == 2: b = ints
            else: b = bytes(16384)
            parts.append(b); n += len(b)
        buf = bytearray(b''.join(parts)[:chunk])
        if i % 64 == 0:
            bl = blobs[(i // 64) % len(blobs)]
            at = random.randrange(0, (chunk - len(bl)) // 4) * 4
            buf[at:at+len(bl)] = bl
        f.write(buf)
