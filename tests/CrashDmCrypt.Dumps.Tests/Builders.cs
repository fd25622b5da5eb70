using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>Writes an integer in a chosen byte order and word size.</summary>
internal readonly struct Writer(bool bigEndian)
{
    public void U16(Span<byte> s, int at, ushort v)
    {
        if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(s[at..], v); } else { BinaryPrimitives.WriteUInt16LittleEndian(s[at..], v); }
    }

    public void U32(Span<byte> s, int at, uint v)
    {
        if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(s[at..], v); } else { BinaryPrimitives.WriteUInt32LittleEndian(s[at..], v); }
    }

    public void U64(Span<byte> s, int at, ulong v)
    {
        if (bigEndian) { BinaryPrimitives.WriteUInt64BigEndian(s[at..], v); } else { BinaryPrimitives.WriteUInt64LittleEndian(s[at..], v); }
    }

    public void Word(Span<byte> s, int at, ulong v, bool is64)
    {
        if (is64) { U64(s, at, v); } else { U32(s, at, checked((uint)v)); }
    }
}

/// <summary>An ELF core file with PT_LOAD segments and an optional VMCOREINFO note (layout as in the System V ABI).</summary>
internal sealed class ElfBuilder(bool is64 = true, bool bigEndian = false)
{
    public List<(ulong Paddr, byte[] Data, ulong MemSize)> Loads { get; } = [];

    public string? VmcoreInfo { get; set; }

    public ElfBuilder Load(ulong paddr, byte[] data, ulong memSize = 0)
    {
        Loads.Add((paddr, data, memSize == 0 ? (ulong)data.Length : memSize));
        return this;
    }

    public byte[] Build()
    {
        var w = new Writer(bigEndian);
        int word = is64 ? 8 : 4;
        int ehsize = is64 ? 64 : 52;
        int phsize = is64 ? 56 : 32;
        byte[] note = VmcoreInfo is null ? [] : Note("VMCOREINFO", 0, Encoding.ASCII.GetBytes(VmcoreInfo));
        int phnum = Loads.Count + (note.Length > 0 ? 1 : 0);
        long dataStart = ehsize + ((long)phsize * phnum);
        var file = new MemoryStream();
        byte[] header = new byte[ehsize];
        header[0] = 0x7F; header[1] = (byte)'E'; header[2] = (byte)'L'; header[3] = (byte)'F';
        header[4] = (byte)(is64 ? 2 : 1); header[5] = (byte)(bigEndian ? 2 : 1); header[6] = 1;
        w.U16(header, 16, 4);
        w.U16(header, 18, is64 ? (ushort)62 : (ushort)3);
        w.U32(header, 20, 1);
        w.Word(header, 24 + word, (ulong)ehsize, is64);
        w.U16(header, 24 + (3 * word) + 4, (ushort)ehsize);
        w.U16(header, 24 + (3 * word) + 6, (ushort)phsize);
        w.U16(header, 24 + (3 * word) + 8, (ushort)phnum);
        file.Write(header);
        long offset = dataStart;
        var payloads = new List<byte[]>();
        if (note.Length > 0)
        {
            file.Write(ProgramHeader(w, 4, (ulong)offset, 0, (ulong)note.Length, 0));
            payloads.Add(note);
            offset += note.Length;
        }

        foreach (var (paddr, data, memSize) in Loads)
        {
            file.Write(ProgramHeader(w, 1, (ulong)offset, paddr, (ulong)data.Length, memSize));
            payloads.Add(data);
            offset += data.Length;
        }

        foreach (byte[] payload in payloads)
        {
            file.Write(payload);
        }

        return file.ToArray();

        byte[] ProgramHeader(Writer w, uint type, ulong fileOffset, ulong paddr, ulong filesz, ulong memsz)
        {
            byte[] ph = new byte[phsize];
            w.U32(ph, 0, type);
            int o = is64 ? 8 : 4;
            w.Word(ph, o, fileOffset, is64);
            w.Word(ph, o + word, paddr, is64);
            w.Word(ph, o + (2 * word), paddr, is64);
            w.Word(ph, o + (3 * word), filesz, is64);
            w.Word(ph, o + (4 * word), memsz, is64);
            return ph;
        }
    }

    private byte[] Note(string name, uint type, byte[] desc)
    {
        var w = new Writer(bigEndian);
        int nameSize = name.Length + 1;
        int namePadded = (nameSize + 3) & ~3;
        int descPadded = (desc.Length + 3) & ~3;
        byte[] note = new byte[12 + namePadded + descPadded];
        w.U32(note, 0, (uint)nameSize);
        w.U32(note, 4, (uint)desc.Length);
        w.U32(note, 8, type);
        Encoding.ASCII.GetBytes(name).CopyTo(note, 12);
        desc.CopyTo(note, 12 + namePadded);
        return note;
    }
}

/// <summary>LiME range files (LiME's documentation: 32-byte little-endian header per range).</summary>
internal static class LimeBuilder
{
    public static byte[] Build(params (ulong Start, byte[] Data)[] ranges)
    {
        var file = new MemoryStream();
        foreach (var (start, data) in ranges)
        {
            byte[] header = new byte[32];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x4C694D45);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), start);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), start + (ulong)data.Length - 1);
            file.Write(header);
            file.Write(data);
        }

        return file.ToArray();
    }
}

/// <summary>
/// kdump-compressed files as makedumpfile lays them out (IMPLEMENTATION, diskdump_mod.h): header, sub-header, both bitmaps,
/// page_desc table, page data with one shared zero page; and their flattened form.
/// </summary>
internal sealed class KdumpBuilder
{
    public int Version { get; set; } = 6;

    public bool Is64 { get; set; } = true;

    public bool BigEndian { get; set; }

    public int BlockSize { get; set; } = 4096;

    public string Signature { get; set; } = "KDUMP   ";

    public string Machine { get; set; } = "x86_64";

    /// <summary>32-bit sub-header with 64-bit fields aligned to 8 (AArch32, libkdumpfile's kdump_sub_header_32pad).</summary>
    public bool Padded { get; set; }

    public DumpCompression Method { get; set; }

    public string? VmcoreInfo { get; set; }

    public ulong MaxMapNr { get; set; } = 64;

    /// <summary>Pages stored in the dump.</summary>
    public SortedDictionary<ulong, byte[]> Pages { get; } = [];

    /// <summary>RAM pages left out of the dump (first bitmap set, second clear).</summary>
    public SortedSet<ulong> Excluded { get; } = [];

    public byte[] Build()
    {
        var w = new Writer(BigEndian);
        int word = Is64 ? 8 : 4;
        int bs = BlockSize;
        int subHeaderBlocks = 1;
        long bitmapHalf = (long)((MaxMapNr + 7) / 8);
        int bitmapBlocks = (int)((2 * bitmapHalf + bs - 1) / bs);
        if (bitmapBlocks % 2 == 1)
        {
            bitmapBlocks++;
        }

        long half = (long)bitmapBlocks * bs / 2;
        long bitmapOffset = (1 + subHeaderBlocks) * (long)bs;
        long descOffset = bitmapOffset + ((long)bitmapBlocks * bs);
        long dataOffset = descOffset + (Pages.Count * 24L);
        byte[] vmcoreinfo = VmcoreInfo is null ? [] : Encoding.ASCII.GetBytes(VmcoreInfo);

        var file = new MemoryStream();
        file.SetLength(dataOffset);
        byte[] buffer = file.GetBuffer();

        // Header.
        Encoding.ASCII.GetBytes(Signature).CopyTo(buffer, 0);
        w.U32(buffer, 8, (uint)Version);
        Encoding.ASCII.GetBytes("Linux").CopyTo(buffer, 12);
        Encoding.ASCII.GetBytes("6.12.0-test").CopyTo(buffer, 12 + 130);
        Encoding.ASCII.GetBytes(Machine).CopyTo(buffer, 12 + 260);
        int status = Is64 ? 424 : 412;
        w.U32(buffer, status + 4, (uint)bs);
        w.U32(buffer, status + 8, (uint)subHeaderBlocks);
        w.U32(buffer, status + 12, (uint)bitmapBlocks);
        w.U32(buffer, status + 16, (uint)Math.Min(MaxMapNr, uint.MaxValue));

        // Sub-header at block 1; VMCOREINFO after the page data.
        int sub = bs;
        long vmcoreinfoOffset = 0;
        if (Version >= 6)
        {
            w.U64(buffer, sub + (Is64 ? 96 : Padded ? 88 : 72), MaxMapNr);
        }

        // Bitmaps.
        foreach (ulong pfn in Pages.Keys.Concat(Excluded))
        {
            buffer[bitmapOffset + (long)(pfn / 8)] |= (byte)(1 << (int)(pfn % 8));
        }

        foreach (ulong pfn in Pages.Keys)
        {
            buffer[bitmapOffset + half + (long)(pfn / 8)] |= (byte)(1 << (int)(pfn % 8));
        }

        // Page data, one shared zero page, then descriptors.
        file.Position = dataOffset;
        long zeroPage = -1;
        int index = 0;
        var descriptors = new byte[Pages.Count * 24];
        foreach (var (pfn, page) in Pages)
        {
            long at;
            uint size;
            uint flags = 0;
            if (page.AsSpan().IndexOfAnyExcept((byte)0) < 0 && zeroPage >= 0)
            {
                at = zeroPage;
                size = (uint)bs;
            }
            else
            {
                byte[] stored = Compress(page, out flags);
                at = file.Position;
                size = (uint)stored.Length;
                file.Write(stored);
                if (page.AsSpan().IndexOfAnyExcept((byte)0) < 0 && flags == 0)
                {
                    zeroPage = at;
                }
            }

            w.U64(descriptors, index * 24, (ulong)at);
            w.U32(descriptors, (index * 24) + 8, size);
            w.U32(descriptors, (index * 24) + 12, flags);
            index++;
        }

        if (vmcoreinfo.Length > 0)
        {
            vmcoreinfoOffset = file.Position;
            file.Write(vmcoreinfo);
        }

        file.Position = descOffset;
        file.Write(descriptors);
        buffer = file.GetBuffer();
        if (Version >= 3)
        {
            w.U64(buffer, sub + (Is64 ? 32 : Padded ? 24 : 20), (ulong)vmcoreinfoOffset);
            w.Word(buffer, sub + (Is64 ? 40 : Padded ? 32 : 28), (ulong)vmcoreinfo.Length, Is64);
        }

        return file.ToArray();
    }

    private byte[] Compress(byte[] page, out uint flags)
    {
        byte[]? packed = Method switch
        {
            DumpCompression.Zlib => Zlib(page),
            DumpCompression.Zstd => new ZstdSharp.Compressor(3).Wrap(page).ToArray(),
            DumpCompression.Snappy => Snappier.Snappy.CompressToArray(page),
            DumpCompression.Lzo => LzoCompress(page),
            _ => null,
        };
        if (packed is null || packed.Length >= page.Length)
        {
            flags = 0;
            return page;
        }

        flags = (uint)Method;
        return packed;
    }

    /// <summary>One zlib stream of <paramref name="data"/> (System.IO.Compression), as makedumpfile's compress2 writes a page.</summary>
    public static byte[] Zlib(byte[] data, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var z = new ZLibStream(output, level, leaveOpen: true))
        {
            z.Write(data);
        }

        return output.ToArray();
    }

    private static byte[]? LzoCompress(byte[] page)
    {
        byte[] output = new byte[Compression.Lzo.GetMaxCompressedLength(page.Length)];
        int n = Compression.Lzo.Compress(page, output, new byte[Compression.Lzo.CompressWorkMemory]);
        return n < 0 ? null : output[..n];
    }

    /// <summary>The flattened stream of <paramref name="file"/> (makedumpfile -F): records of at most <paramref name="chunk"/> bytes, in the given order.</summary>
    public static byte[] Flatten(byte[] file, int chunk = 1000, bool reverse = false)
    {
        var output = new MemoryStream();
        byte[] header = new byte[4096];
        Encoding.ASCII.GetBytes("makedumpfile").CopyTo(header, 0);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(16), 1);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(24), 1);
        output.Write(header);
        var starts = Enumerable.Range(0, (file.Length + chunk - 1) / chunk).Select(i => i * chunk).ToList();
        if (reverse)
        {
            starts.Reverse();
        }

        byte[] record = new byte[16];
        foreach (int start in starts)
        {
            int n = Math.Min(chunk, file.Length - start);
            BinaryPrimitives.WriteInt64BigEndian(record, start);
            BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), n);
            output.Write(record);
            output.Write(file, start, n);
        }

        BinaryPrimitives.WriteInt64BigEndian(record, -1);
        BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), -1);
        output.Write(record);
        return output.ToArray();
    }
}
