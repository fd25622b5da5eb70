using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// A kdump-compressed dump (makedumpfile's IMPLEMENTATION): header, sub-header, two bitmaps (RAM pages, then pages present
/// in the dump), one page_desc per bit of the second bitmap in page-frame order, then page data. A RAM page whose second
/// bit is clear was excluded and reads as zero.
/// </summary>
internal sealed partial class KdumpMemory : PhysicalMemory
{
    private const int RankBlockBytes = 512;

    private readonly byte[] _ram;
    private readonly byte[] _present;
    private readonly long[] _rank;     // set bits of _present before each 512-byte block
    private readonly long _descriptors;
    private readonly int _pageShift;
    private readonly PhysicalRange[] _stored;
    private PhysicalRange[] _scan = [];

    private KdumpMemory(
        DumpSource source, DumpFormat format, PhysicalRange[] ranges, PhysicalRange[] stored, byte[] ram, byte[] present, long[] rank, long descriptors, int pageSize)
        : base(source, format, ranges)
    {
        _stored = stored;
        _ram = ram;
        _present = present;
        _rank = rank;
        _descriptors = descriptors;
        _pageShift = BitOperations.Log2((uint)pageSize);
    }

    public override IReadOnlyList<PhysicalRange> StoredRanges => _stored;

    internal override IReadOnlyList<PhysicalRange> ScanRanges => _scan;

    internal override long RepeatedPages { get; private protected set; }

    internal override DumpSource StoredFile => Source is FlattenedSource flat ? flat.Inner : Source;

    internal override IReadOnlyList<(long Start, long Length)> OverwrittenRecords => Source is FlattenedSource flat ? flat.Overwritten : [];

    internal override bool FileBytesArePages => true;

    // A copy in the file's own bytes has no address and is not reported outside memory (its pages are); a copy in pages
    // that are all in RAM is in memory. So only pages next to a page outside RAM are decompressed.
    internal override Scrubbing.LeftoverCheck.Scope OutsideView(int margin) =>
        new([], pfn => !InRam(pfn) || !InRam(pfn - 1) || !InRam(pfn + 1));

    private bool InRam(long pfn) =>
        pfn >= 0 && (ulong)pfn < ulong.MaxValue / (ulong)PageSize && Covers((ulong)pfn * (ulong)PageSize, (ulong)PageSize);

    /// <summary>Number of page descriptors (pages stored in the file).</summary>
    public long StoredPages { get; private init; }

    public static bool HasSignature(ReadOnlySpan<byte> head) =>
        head.StartsWith(KdumpLayout.KdumpSignature) || head.StartsWith(KdumpLayout.DiskdumpSignature);

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
            ByteOrder = bigEndian ? DumpByteOrder.BigEndian : DumpByteOrder.LittleEndian,
            ByteOrderKnown = true,
            PageSize = blockSize,
            PageSizeKnown = true,
            VmcoreInfo = vmcoreInfo,
            StoredPages = descriptors,
        };
        kdump.Compression = kdump.SurveyDescriptors(stored, out long repeated);

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

    // Clears every bit below start and from end on: whole bytes at once, the edge bytes by mask.
    private static void ClearBitsOutside(byte[] bitmap, ulong start, ulong end)
    {
        ulong bits = (ulong)bitmap.Length * 8;
        start = Math.Min(start, bits);
        end = Math.Clamp(end, start, bits);
        bitmap.AsSpan(0, (int)(start / 8)).Clear();
        if (start % 8 != 0)
        {
            bitmap[start / 8] &= (byte)(0xFF << (int)(start % 8));
        }

        int tail = (int)((end + 7) / 8);
        if (end % 8 != 0)
        {
            bitmap[end / 8] &= (byte)((1 << (int)(end % 8)) - 1);
        }

        bitmap.AsSpan(tail).Clear();
    }

    private static void ClearBitsFrom(byte[] bitmap, ulong bit)
    {
        if (bit % 8 != 0)
        {
            bitmap[^1] &= (byte)((1 << (int)(bit % 8)) - 1);
        }
    }

    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words)
        {
            count += BitOperations.PopCount(w);
        }

        foreach (byte b in bytes[(words.Length * sizeof(ulong))..])
        {
            count += BitOperations.PopCount(b);
        }

        return count;
    }

    private static bool TryBuildRanges(byte[] ram, int pageSize, int limit, out PhysicalRange[] ranges)
    {
        var list = new List<PhysicalRange>();
        long count = (long)ram.Length * 8;
        long pfn = NextBit(ram, 0, true);
        while (pfn >= 0)
        {
            long end = NextBit(ram, pfn, false);
            if (end < 0)
            {
                end = count;
            }

            if (list.Count >= limit)
            {
                ranges = [];
                return false;
            }

            list.Add(new PhysicalRange((ulong)pfn * (uint)pageSize, (ulong)(end - pfn) * (uint)pageSize));
            pfn = end < count ? NextBit(ram, end, true) : -1;
        }

        ranges = [.. list];
        return true;
    }

    // The first bit at or after from that is set (or clear), or -1; whole bytes are skipped with a vectorised search.
    private static long NextBit(ReadOnlySpan<byte> bits, long from, bool set)
    {
        long count = (long)bits.Length * 8;
        for (; from < count && (from & 7) != 0; from++)
        {
            if (IsSet(bits, from) == set)
            {
                return from;
            }
        }

        if (from >= count)
        {
            return -1;
        }

        int skip = bits[(int)(from >> 3)..].IndexOfAnyExcept(set ? (byte)0 : (byte)0xFF);
        if (skip < 0)
        {
            return -1;
        }

        for (from += (long)skip * 8; IsSet(bits, from) != set; from++)
        {
        }

        return from;
    }

    private static bool IsSet(ReadOnlySpan<byte> bits, long pfn) => (bits[(int)(pfn >> 3)] & (1 << (int)(pfn & 7))) != 0;

    /// <summary>Called for each page descriptor, in page-frame order, with its page's number.</summary>
    internal delegate void DescriptorVisitor(long pfn, long descriptorOffset, ReadOnlySpan<byte> descriptor);

    // Every page descriptor (pages present in the dump, RAM or not), read in blocks of about 64 KiB: one pass, few reads.
    internal void ForEachDescriptor(DescriptorVisitor visit)
    {
        const int Block = 2730;
        byte[] block = new byte[Block * KdumpLayout.PageDescriptorSize];
        long index = 0;
        long loaded = -1;
        for (long pfn = NextBit(_present, 0, true); pfn >= 0; pfn = NextBit(_present, pfn + 1, true), index++)
        {
            if (index / Block != loaded)
            {
                loaded = index / Block;
                long count = Math.Min(Block, StoredPages - (loaded * Block));
                Source.TryRead(_descriptors + (loaded * Block * KdumpLayout.PageDescriptorSize), block.AsSpan(0, (int)(count * KdumpLayout.PageDescriptorSize)));
            }

            int at = (int)(index % Block) * KdumpLayout.PageDescriptorSize;
            visit(pfn, _descriptors + (index * KdumpLayout.PageDescriptorSize), block.AsSpan(at, KdumpLayout.PageDescriptorSize));
        }
    }

    // The compressions used, and (cleared in stored) the pages whose page data an earlier page's descriptor already names.
    // Memory: one offset per distinct page data, bounded by the file.
    private DumpCompression SurveyDescriptors(byte[] stored, out long repeated)
    {
        var seen = DumpCompression.None;
        var offsets = new HashSet<ulong>();
        long count = 0;
        var r = new ByteReader(ByteOrder == DumpByteOrder.BigEndian);
        ForEachDescriptor((pfn, _, descriptor) =>
        {
            seen |= (DumpCompression)(r.U32(descriptor, KdumpLayout.PageDescriptorFlagsOffset) & (uint)AllMethods);
            if (IsSet(stored, pfn) && !offsets.Add(r.U64(descriptor, 0)))
            {
                stored[(int)(pfn >> 3)] &= (byte)~(1 << (int)(pfn & 7));
                count++;
            }
        });
        repeated = count;
        return seen;
    }

    /// <summary>For each page data offset asked for, the stored pages whose descriptor names it, with their descriptors' offsets.</summary>
    internal Dictionary<ulong, List<(ulong Pfn, long DescriptorOffset)>> PagesWithData(HashSet<ulong> dataOffsets)
    {
        var pages = new Dictionary<ulong, List<(ulong, long)>>();
        var r = new ByteReader(ByteOrder == DumpByteOrder.BigEndian);
        ForEachDescriptor((pfn, at, descriptor) =>
        {
            ulong data = r.U64(descriptor, 0);
            if (IsSet(_ram, pfn) && dataOffsets.Contains(data))
            {
                if (!pages.TryGetValue(data, out var list))
                {
                    pages[data] = list = [];
                }

                list.Add(((ulong)pfn, at));
            }
        });
        return pages;
    }

    // A partial page, and a copy of compressed bytes that are not one span of the file (a flattened record boundary).
    [ThreadStatic]
    private static byte[]? t_scratch;

    [ThreadStatic]
    private static byte[]? t_packed;

    private const DumpCompression AllMethods = DumpCompression.Zlib | DumpCompression.Lzo | DumpCompression.Snappy | DumpCompression.Zstd;

    private protected override bool ReadCore(ulong address, Span<byte> destination, out DumpProblem problem)
    {
        int pageSize = PageSize;

        // This thread's buffers, when a read needs them: both may hold keys and are cleared at the end.
        byte[]? scratch = null;
        byte[]? packed = null;
        try
        {
            while (!destination.IsEmpty)
            {
                ulong pfn = address >> _pageShift;
                int inPage = (int)(address & (ulong)(pageSize - 1));
                int count = Math.Min(destination.Length, pageSize - inPage);
                Span<byte> part = destination[..count];
                if (!IsSet(_present, (long)pfn))
                {
                    part.Clear();
                }
                else if (count == pageSize)
                {
                    if (!TryReadPage(pfn, part, ref packed, out problem))
                    {
                        return false;
                    }
                }
                else
                {
                    scratch ??= ThreadBuffer(ref t_scratch, pageSize);
                    if (!TryReadPage(pfn, scratch.AsSpan(0, pageSize), ref packed, out problem))
                    {
                        return false;
                    }

                    scratch.AsSpan(inPage, count).CopyTo(part);
                }

                destination = destination[count..];
                address += (ulong)count;
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(scratch);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(packed);
        }

        problem = default;
        return true;
    }

    /// <summary>Where the page_desc of a stored page is, and what it says; false for a page the dump does not store.</summary>
    internal bool TryGetDescriptor(ulong pfn, out long descriptorOffset, out ulong dataOffset, out uint size, out uint flags)
    {
        descriptorOffset = -1;
        dataOffset = 0;
        size = 0;
        flags = 0;
        if (pfn >= (ulong)_present.Length * 8 || !IsSet(_present, (long)pfn))
        {
            return false;
        }

        descriptorOffset = DescriptorOffset(pfn);
        Span<byte> descriptor = stackalloc byte[KdumpLayout.PageDescriptorSize];
        if (!Source.TryRead(descriptorOffset, descriptor))
        {
            return false;
        }

        var r = new ByteReader(ByteOrder == DumpByteOrder.BigEndian);
        dataOffset = r.U64(descriptor, 0);
        size = r.U32(descriptor, KdumpLayout.PageDescriptorSizeOffset);
        flags = r.U32(descriptor, KdumpLayout.PageDescriptorFlagsOffset);
        return true;
    }

    private long DescriptorOffset(ulong pfn)
    {
        long index = _rank[(int)(pfn >> 12)] + PopCount(_present.AsSpan((int)(pfn >> 12) * RankBlockBytes, (int)((pfn >> 3) & (RankBlockBytes - 1))));
        index += BitOperations.PopCount((uint)(_present[(int)(pfn >> 3)] & ((1 << (int)(pfn & 7)) - 1)));
        return _descriptors + (index * KdumpLayout.PageDescriptorSize);
    }

    // Pinned, one per thread, grown to the largest page met: reading a page allocates nothing.
    private static byte[] ThreadBuffer(ref byte[]? buffer, int length) =>
        buffer is { } b && b.Length >= length ? b : buffer = GC.AllocateUninitializedArray<byte>(length, pinned: true);

    /// <summary>Reads the data of a page the dump stores (its present bit set), RAM or not, as its descriptor names it.</summary>
    internal bool TryReadStoredPage(ulong pfn, Span<byte> page, out DumpProblem problem)
    {
        byte[]? packed = null;
        try
        {
            if (pfn >= (ulong)_present.Length * 8 || !IsSet(_present, (long)pfn))
            {
                problem = DumpProblem.At(DumpError.AddressNotInDump, -1);
                return false;
            }

            return TryReadPage(pfn, page, ref packed, out problem);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(packed);
        }
    }

    private bool TryReadPage(ulong pfn, Span<byte> page, ref byte[]? packed, out DumpProblem problem)
    {
        long at = DescriptorOffset(pfn);
        Span<byte> descriptor = stackalloc byte[KdumpLayout.PageDescriptorSize];
        if (!Source.TryRead(at, descriptor))
        {
            problem = DumpProblem.At(DumpError.IoError, at);
            return false;
        }

        var r = new ByteReader(ByteOrder == DumpByteOrder.BigEndian);
        ulong offset = r.U64(descriptor, 0);
        uint size = r.U32(descriptor, KdumpLayout.PageDescriptorSizeOffset);
        uint flags = r.U32(descriptor, KdumpLayout.PageDescriptorFlagsOffset);
        if (size == 0 || size > (uint)page.Length || !Source.Contains(offset, size))
        {
            problem = DumpProblem.At(DumpError.KdumpBadPageDescriptor, at);
            return false;
        }

        var method = (DumpCompression)flags;
        if ((flags & ~(uint)AllMethods) != 0 || BitOperations.PopCount(flags) > 1)
        {
            problem = DumpProblem.At(DumpError.KdumpUnknownCompression, at + KdumpLayout.PageDescriptorFlagsOffset);
            return false;
        }

        if (method == DumpCompression.None)
        {
            if (size != (uint)page.Length)
            {
                problem = DumpProblem.At(DumpError.KdumpBadPageDescriptor, at + KdumpLayout.PageDescriptorSizeOffset);
                return false;
            }

            bool read = Source.TryRead((long)offset, page);
            problem = read ? default : DumpProblem.At(DumpError.IoError, (long)offset);
            return read;
        }

        DumpError error;
        if (Source.TryGetSpan((long)offset, (int)size, out ReadOnlySpan<byte> compressed))
        {
            error = PageCodec.Decompress(method, compressed, page);
        }
        else
        {
            // size <= one page (checked above); the caller clears the copy.
            packed ??= ThreadBuffer(ref t_packed, page.Length);
            Span<byte> copy = packed.AsSpan(0, (int)size);
            error = Source.TryRead((long)offset, copy) ? PageCodec.Decompress(method, copy, page) : DumpError.IoError;
        }

        problem = error == DumpError.None ? default : DumpProblem.At(error, (long)offset);
        return error == DumpError.None;
    }
}
