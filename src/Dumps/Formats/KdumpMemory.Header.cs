using CrashDmCrypt.Codec;
using System.Buffers.Binary;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>Opening a kdump file: disk_dump_header, kdump_sub_header and the two bitmaps (makedumpfile diskdump_mod.h).</summary>
internal sealed partial class KdumpMemory
{
    public static bool TryOpen(DumpSource source, DumpFormat format, DumpOpenOptions options, out PhysicalMemory? memory, out DumpProblem problem)
    {
        memory = null;
        Span<byte> header = stackalloc byte[KdumpLayout.HeaderSize(8)];
        if (!source.TryRead(0, header))
        {
            problem = DumpProblem.At(DumpError.Truncated, source.Length);
            return false;
        }

        int versionLe = BinaryPrimitives.ReadInt32LittleEndian(header[KdumpLayout.VersionOffset..]);
        int versionBe = BinaryPrimitives.ReadInt32BigEndian(header[KdumpLayout.VersionOffset..]);
        bool bigEndian;
        int version;
        if (versionLe is >= KdumpLayout.MinVersion and <= KdumpLayout.MaxVersion)
        {
            (bigEndian, version) = (false, versionLe);
        }
        else if (versionBe is >= KdumpLayout.MinVersion and <= KdumpLayout.MaxVersion)
        {
            (bigEndian, version) = (true, versionBe);
        }
        else
        {
            problem = DumpProblem.At(DumpError.KdumpBadHeader, KdumpLayout.VersionOffset);
            return false;
        }

        var r = new ByteReader(bigEndian);
        string machine = Field(header, KdumpLayout.MachineOffset);
        int word = ChooseWord(machine, header, r);
        if (word == 0)
        {
            problem = DumpProblem.At(DumpError.KdumpBadHeader, KdumpLayout.BlockSizeOffset(8));
            return false;
        }

        int blockSize = r.I32(header, KdumpLayout.BlockSizeOffset(word));
        int subHeaderBlocks = r.I32(header, KdumpLayout.SubHeaderSizeOffset(word));
        uint bitmapBlocks = r.U32(header, KdumpLayout.BitmapBlocksOffset(word));
        ulong maxMapNr = r.U32(header, KdumpLayout.MaxMapNrOffset(word));
        if (subHeaderBlocks < 0 || bitmapBlocks == 0)
        {
            problem = DumpProblem.At(DumpError.KdumpBadHeader, subHeaderBlocks < 0 ? KdumpLayout.SubHeaderSizeOffset(word) : KdumpLayout.BitmapBlocksOffset(word));
            return false;
        }

        VmcoreInfo vmcoreInfo = VmcoreInfo.Empty;
        (ulong Start, ulong End)? split = null;
        if (subHeaderBlocks > 0 && !TryReadSubHeader(source, r, word, version, blockSize, ref maxMapNr, ref vmcoreInfo, ref split, out problem))
        {
            return false;
        }

        // Both bitmaps, then the page descriptors: every offset widened before it is multiplied.
        ulong bitmapOffset = (1UL + (uint)subHeaderBlocks) * (uint)blockSize;
        ulong bitmapBytes = (ulong)bitmapBlocks * (uint)blockSize;
        ulong descriptorOffset = bitmapOffset + bitmapBytes;
        // The bitmaps are read into memory: they must be in the file, not in a flattened file's holes, which cost nothing.
        if (!source.Contains(bitmapOffset, bitmapBytes) || bitmapBytes > (ulong)options.BitmapByteLimit || bitmapBytes > (ulong)source.StoredLength)
        {
            problem = DumpProblem.At(DumpError.KdumpBadBitmap, KdumpLayout.BitmapBlocksOffset(word));
            return false;
        }

        int half = (int)(bitmapBytes / 2);
        ulong pfnLimit = Math.Min(maxMapNr, (ulong)half * 8);
        int usedBytes = (int)((pfnLimit + 7) / 8);
        byte[] ram = new byte[usedBytes];
        byte[] present = new byte[usedBytes];
        source.TryRead((long)bitmapOffset, ram);
        source.TryRead((long)bitmapOffset + half, present);
        ClearBitsFrom(ram, pfnLimit);
        ClearBitsFrom(present, pfnLimit);
        if (split is { } part)
        {
            // One part of a `makedumpfile --split` dump holds page descriptors only for the dumpable pages of its own pfn
            // range, counted from its start (makedumpfile.c write_kdump_pages_and_bitmap_cyclic), though its bitmap
            // marks the others too: outside the range a page reads as excluded, as libkdumpfile reads one part.
            ClearBitsOutside(present, part.Start, Math.Min(part.End, pfnLimit));
        }

        long[] rank = new long[(usedBytes / RankBlockBytes) + 1];
        long descriptors = 0;
        for (int block = 0; block < rank.Length; block++)
        {
            rank[block] = descriptors;
            int from = block * RankBlockBytes;
            descriptors += PopCount(present.AsSpan(from, Math.Min(RankBlockBytes, usedBytes - from)));
        }

        if (!source.Contains(descriptorOffset, (ulong)descriptors * KdumpLayout.PageDescriptorSize))
        {
            problem = DumpProblem.At(DumpError.KdumpPageDescriptorOutsideFile, (long)Math.Min(descriptorOffset, (ulong)source.Length));
            return false;
        }

        // Stored pages are RAM pages present in the dump; a present bit outside RAM is never read.
        byte[] stored = new byte[usedBytes];
        for (int i = 0; i < usedBytes; i++)
        {
            stored[i] = (byte)(ram[i] & present[i]);
        }

        if (!TryBuildRanges(ram, blockSize, options.RangeLimit, out PhysicalRange[] ranges)
            || !TryBuildRanges(stored, blockSize, options.RangeLimit, out PhysicalRange[] storedRanges))
        {
            problem = DumpProblem.At(DumpError.TooManyRanges, (long)bitmapOffset);
            return false;
        }

        var kdump = new KdumpMemory(source, format, ranges, storedRanges, ram, present, rank, (long)descriptorOffset, blockSize)
        {
            ByteOrder = bigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian,
            ByteOrderKnown = true,
            PageSize = blockSize,
            PageSizeKnown = true,
            VmcoreInfo = vmcoreInfo,
            StoredPages = descriptors,
        };
        if (!kdump.TrySurveyDescriptors(stored, options.OutOfOrderPageDataLimit, out DumpCompression compression, out long repeated, out long failedAt))
        {
            problem = DumpProblem.At(DumpError.IoError, failedAt);
            return false;
        }

        kdump.Compression = compression;

        // Pages whose descriptor names page data an earlier page's names (makedumpfile's one shared zero page, or a hostile
        // file's thousands) read the same bytes: a scan reads each page data once, so its work follows the file's size.
        if (!TryBuildRanges(stored, blockSize, options.RangeLimit, out PhysicalRange[] scanRanges))
        {
            problem = DumpProblem.At(DumpError.TooManyRanges, (long)bitmapOffset);
            return false;
        }

        kdump._scan = scanRanges;
        kdump.RepeatedPages = repeated;
        memory = kdump;
        problem = default;
        return true;
    }

    private static bool TryReadSubHeader(
        DumpSource source, ByteReader r, int word, int version, int blockSize, ref ulong maxMapNr, ref VmcoreInfo vmcoreInfo,
        ref (ulong Start, ulong End)? split, out DumpProblem problem)
    {
        Span<byte> sub = stackalloc byte[Math.Max(KdumpLayout.SubHeaderSize(8), KdumpLayout.SubHeaderSize(4, padded: true))];
        sub = sub[..KdumpLayout.SubHeaderSize(word, padded: word == 4)];
        if (!source.TryRead(blockSize, sub))
        {
            problem = DumpProblem.At(DumpError.Truncated, source.Length);
            return false;
        }

        bool padded = word == 4 && version >= 3 && IsPadded32(source, r, sub, blockSize);

        // One part of a `makedumpfile --split` dump: split, then start_pfn and end_pfn (the 64-bit ones from version 6).
        if (version >= 2 && r.I32(sub, KdumpLayout.SplitOffset(word)) != 0)
        {
            int at = version >= 6 ? KdumpLayout.StartPfn64Offset(word, padded) : KdumpLayout.SplitOffset(word) + sizeof(int);
            split = version >= 6
                ? (r.U64(sub, at), r.U64(sub, at + sizeof(ulong)))
                : (r.Word(sub, at, word), r.Word(sub, at + word, word));
            if (split.Value.Start > split.Value.End)
            {
                problem = DumpProblem.At(DumpError.KdumpBadSubHeader, blockSize + at);
                return false;
            }
        }

        if (version >= 3)
        {
            ulong offset = r.U64(sub, KdumpLayout.OffsetVmcoreInfoOffset(word, padded));
            ulong size = r.Word(sub, KdumpLayout.SizeVmcoreInfoOffset(word, padded), word);
            if (size != 0)
            {
                if (!source.Contains(offset, size))
                {
                    problem = DumpProblem.At(DumpError.KdumpBadSubHeader, blockSize + KdumpLayout.OffsetVmcoreInfoOffset(word, padded));
                    return false;
                }

                byte[] text = new byte[(int)Math.Min(size, VmcoreInfo.MaxLength)];
                source.TryRead((long)offset, text);
                vmcoreInfo = VmcoreInfo.Parse(text);
            }
        }

        if (version >= 6)
        {
            ulong maxMapNr64 = r.U64(sub, KdumpLayout.MaxMapNr64Offset(word, padded));
            if (maxMapNr64 != 0)
            {
                maxMapNr = maxMapNr64;
            }
        }

        problem = default;
        return true;
    }

    // The 32-bit sub-header is packed (IA-32) or padded (AArch32), and nothing in the file says which. libkdumpfile
    // (read_sub_hdr_32) takes packed when the packed reading of the VMCOREINFO location is empty or inside the sub-header
    // blocks, where makedumpfile puts it. Here packed is kept whenever its reading lies inside the file (so a packed file
    // with VMCOREINFO elsewhere still reads), and padded is taken only when the packed reading does not and the padded
    // one does: on AArch32 the packed reading takes the padding as the offset's low half, an offset past any file.
    private static bool IsPadded32(DumpSource source, ByteReader r, ReadOnlySpan<byte> sub, int blockSize)
    {
        // VMCOREINFO never starts in the header block (big-endian, the packed reading of a padded sub-header gives offset 0).
        bool Plausible(ulong offset, ulong size) => (offset == 0 && size == 0) || (offset >= (ulong)blockSize && source.Contains(offset, size));

        return !Plausible(r.U64(sub, KdumpLayout.OffsetVmcoreInfoOffset(4)), r.U32(sub, KdumpLayout.SizeVmcoreInfoOffset(4)))
            && Plausible(r.U64(sub, KdumpLayout.OffsetVmcoreInfoOffset(4, padded: true)), r.U32(sub, KdumpLayout.SizeVmcoreInfoOffset(4, padded: true)));
    }

    // The header layout follows the dumped machine's word size (utsname.machine, as libkdumpfile decides it); for a
    // machine this list does not know, the layout whose block size is a power of two in range decides.
    private static int ChooseWord(string machine, ReadOnlySpan<byte> header, ByteReader r)
    {
        int known = machine switch
        {
            "x86_64" or "aarch64" or "arm64" or "ppc64" or "ppc64le" or "s390x" or "riscv64" or "loongarch64" or "mips64" or "sparc64" or "ia64" or "alpha" => 8,
            "i386" or "i486" or "i586" or "i686" or "arm" or "armv7l" or "ppc" or "s390" or "mips" or "riscv32" or "sh" => 4,
            _ => 0,
        };
        if (known != 0)
        {
            return IsBlockSize(r.I32(header, KdumpLayout.BlockSizeOffset(known))) ? known : 0;
        }

        return IsBlockSize(r.I32(header, KdumpLayout.BlockSizeOffset(8))) ? 8
            : IsBlockSize(r.I32(header, KdumpLayout.BlockSizeOffset(4))) ? 4
            : 0;
    }

    private static bool IsBlockSize(int size) => size is >= KdumpLayout.MinBlockSize and <= KdumpLayout.MaxBlockSize && int.IsPow2(size);

    private static string Field(ReadOnlySpan<byte> header, int offset)
    {
        ReadOnlySpan<byte> field = header.Slice(offset, KdumpLayout.UtsnameFieldLength);
        int nul = field.IndexOf((byte)0);
        return System.Text.Encoding.Latin1.GetString(nul < 0 ? field : field[..nul]);
    }
}
