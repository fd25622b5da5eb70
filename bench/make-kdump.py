#!/usr/bin/env python3
# Writes a kdump-compressed dump (diskdump header version 6, x86_64) of a raw memory image, laid out as makedumpfile
# lays it out (makedumpfile diskdump_mod.h, write_kdump_pages_cyclic): block 0 the disk_dump_header, block 1 the
# kdump_sub_header, then both bitmaps, the page descriptors (one per page set in the second bitmap) and the page data,
# with every zero page sharing one uncompressed zero page at the start of the data (dump level 1, as -d 1 and above
# write them) and VMCOREINFO after the data. Pages are compressed one by one with the libraries and levels
# makedumpfile uses: compress2 at Z_BEST_SPEED (zlib), lzo1x_1_compress (liblzo2.so.2), snappy_compress
# (libsnappy.so.1), ZSTD_compress at level 1 (libzstd.so.1); a page that does not shrink is stored as it is.
#
#   make-kdump.py RAW OUT zlib|lzo|snappy|zstd [MIB]     # MIB: the first MIB MiB of RAW (default all of it)
#
# makedumpfile itself is not used because Debian's build has snappy and zstd disabled (`makedumpfile -h`).
import ctypes, struct, sys, zlib

PAGE = 4096
VMCOREINFO = b'OSRELEASE=6.12.0-bench\nPAGESIZE=4096\n'
FLAGS = {'zlib': 0x1, 'lzo': 0x2, 'snappy': 0x4, 'zstd': 0x20}  # DUMP_DH_COMPRESSED_* (diskdump_mod.h)


def compressor(method):
    if method == 'zlib':
        return lambda page: zlib.compress(page, 1)
    out = ctypes.create_string_buffer(2 * PAGE)
    size = ctypes.c_size_t()
    if method == 'lzo':
        lib = ctypes.CDLL('liblzo2.so.2')
        work = ctypes.create_string_buffer(16384 * 8)  # LZO1X_1_MEM_COMPRESS
        def lzo(page):
            size.value = len(out)
            if lib.lzo1x_1_compress(page, ctypes.c_size_t(len(page)), out, ctypes.byref(size), work) != 0:
                raise SystemExit('lzo1x_1_compress failed')
            return out.raw[:size.value]
        return lzo
    if method == 'snappy':
        lib = ctypes.CDLL('libsnappy.so.1')
        def snappy(page):
            size.value = len(out)
            if lib.snappy_compress(page, ctypes.c_size_t(len(page)), out, ctypes.byref(size)) != 0:
                raise SystemExit('snappy_compress failed')
            return out.raw[:size.value]
        return snappy
    if method == 'zstd':
        lib = ctypes.CDLL('libzstd.so.1')
        lib.ZSTD_compress.restype = ctypes.c_size_t
        lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
        def zstd(page):
            n = lib.ZSTD_compress(out, ctypes.c_size_t(len(out)), page, ctypes.c_size_t(len(page)), 1)
            if lib.ZSTD_isError(n):
                raise SystemExit('ZSTD_compress failed')
            return out.raw[:n]
        return zstd
    raise SystemExit('method: zlib, lzo, snappy or zstd')


def headers(flags, bitmap_blocks, pages, dump_level, vmcoreinfo_at):
    """Blocks 0 and 1: the disk_dump_header (x86_64, one CPU) and the kdump_sub_header, VMCOREINFO at vmcoreinfo_at."""
    header = bytearray(PAGE)
    header[0:8] = b'KDUMP   '
    struct.pack_into('<i', header, 8, 6)
    for i, field in enumerate([b'Linux', b'bench', b'6.12.0-bench', b'#1', b'x86_64', b'']):
        header[12 + 65 * i:12 + 65 * i + len(field)] = field
    # status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr, total_ram_blocks, device_blocks, written_blocks,
    # current_cpu, nr_cpus
    struct.pack_into('<IiiIIIIIIi', header, 424, flags, PAGE, 1, bitmap_blocks, pages, 0, 0, 0, 0, 1)
    sub = bytearray(PAGE)
    # phys_base, dump_level, split, start_pfn, end_pfn, offset_vmcoreinfo, size_vmcoreinfo, offset_note,
    # size_note, offset_eraseinfo, size_eraseinfo, start_pfn_64, end_pfn_64, max_mapnr_64
    struct.pack_into('<QiiQQqQqQqQQQQ', sub, 0, 0, dump_level, 0, 0, 0, vmcoreinfo_at, len(VMCOREINFO), 0, 0, 0, 0, 0, 0, pages)
    return bytes(header + sub)


def main():
    raw, path, method = sys.argv[1], sys.argv[2], sys.argv[3]
    compress = compressor(method)
    with open(raw, 'rb') as f:
        f.seek(0, 2)
        size = f.tell()
    if len(sys.argv) > 4:
        size = min(size, int(sys.argv[4]) << 20)
    pages = size // PAGE
    half = (pages + 7) // 8
    bitmap_blocks = (2 * half + PAGE - 1) // PAGE
    bitmap_blocks += bitmap_blocks % 2
    half = bitmap_blocks * PAGE // 2
    bitmap_at = 2 * PAGE
    desc_at = bitmap_at + bitmap_blocks * PAGE
    data_at = desc_at + 24 * pages

    bitmap = bytearray(b'\xff' * (pages // 8)) + (bytes([(1 << (pages % 8)) - 1]) if pages % 8 else b'')
    bitmaps = bytearray(bitmap_blocks * PAGE)
    bitmaps[0:len(bitmap)] = bitmap
    bitmaps[half:half + len(bitmap)] = bitmap

    descriptors = bytearray(24 * pages)
    zero = bytes(PAGE)
    with open(raw, 'rb') as src, open(path, 'wb') as out:
        out.seek(data_at)
        out.write(zero)
        at = data_at + PAGE
        for pfn in range(pages):
            page = src.read(PAGE)
            if page == zero:
                struct.pack_into('<qIIQ', descriptors, 24 * pfn, data_at, PAGE, 0, 0)
                continue
            packed = compress(page)
            flags = FLAGS[method]
            if len(packed) >= PAGE:
                packed, flags = page, 0
            out.write(packed)
            struct.pack_into('<qIIQ', descriptors, 24 * pfn, at, len(packed), flags, 0)
            at += len(packed)
        out.write(VMCOREINFO)
        out.seek(0)
        out.write(headers(FLAGS[method], bitmap_blocks, pages, 1, at))
        out.write(bitmaps)
        out.write(descriptors)


if __name__ == '__main__':
    main()
