using CrashDmCrypt.Codec;
using System.Numerics;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>The page descriptors (page_desc_t), one per page present in the dump, in page-frame order.</summary>
internal sealed partial class KdumpMemory
{
    /// <summary>Called for each page descriptor, in page-frame order, with its page's number and where the descriptor is.</summary>
    internal delegate void DescriptorVisitor(long pfn, long descriptorOffset, KdumpPageDescriptor descriptor);

    // Every page descriptor (pages present in the dump, RAM or not), read in blocks of about 64 KiB: one pass, few reads.
    // False, with the offset of the block, when a block does not read (the header checked that the table lies in the
    // file: an I/O error, or a file that shrank): the walk stops there, and the caller reports it.
    internal bool TryForEachDescriptor(DescriptorVisitor visit, out long failedAt)
    {
        const int Block = 2730;
        byte[] block = new byte[Block * KdumpLayout.PageDescriptorSize];
        long index = 0;
        long loaded = -1;
        var r = new ByteReader(ByteOrder == KeyBlobByteOrder.BigEndian);
        for (long pfn = NextBit(_present, 0, true); pfn >= 0; pfn = NextBit(_present, pfn + 1, true), index++)
        {
            if (index / Block != loaded)
            {
                loaded = index / Block;
                long count = Math.Min(Block, StoredPages - (loaded * Block));
                long offset = _descriptors + (loaded * Block * KdumpLayout.PageDescriptorSize);
                if (!Source.TryRead(offset, block.AsSpan(0, (int)(count * KdumpLayout.PageDescriptorSize))))
                {
                    failedAt = offset;
                    return false;
                }
            }

            int at = (int)(index % Block) * KdumpLayout.PageDescriptorSize;
            visit(pfn, _descriptors + (index * KdumpLayout.PageDescriptorSize), KdumpPageDescriptor.Read(block.AsSpan(at, KdumpLayout.PageDescriptorSize), r));
        }

        failedAt = -1;
        return true;
    }

    // The compressions used, and (cleared in stored) the pages whose page data an earlier page's descriptor already names.
    // In order (makedumpfile's and QEMU's page data), in memory that does not grow with the dump (DataOffsetSet: a second
    // pass over the descriptors only for an offset between earlier ones); a file with more distinct offsets out of order
    // than the limit (a scrubbed copy, whose rewritten pages lie at its end; a hostile file) takes a second pass keeping
    // every offset (ExactOffsetSet: 8 bytes a page). False when the descriptors do not read (failedAt).
    private bool TrySurveyDescriptors(byte[] stored, int outOfOrderLimit, out DumpCompression compression, out long repeated, out long failedAt)
    {
        var seen = DumpCompression.None;
        var offsets = new DataOffsetSet(outOfOrderLimit);
        long count = 0;
        bool over = false;
        bool read = TryForEachDescriptor((pfn, _, descriptor) =>
        {
            seen |= descriptor.Methods;
            if (over || !IsSet(stored, pfn))
            {
                return;
            }

            DataOffsetVerdict verdict = offsets.Add(descriptor.DataOffset);
            if (verdict == DataOffsetVerdict.Repeated)
            {
                Clear(pfn);
                count++;
            }

            over = verdict == DataOffsetVerdict.OverLimit;
        }, out failedAt);

        // The pages the first pass cleared are repeats whatever the second finds, and each offset's first page is still
        // set, so the second pass visits the pages left and meets every offset they can repeat.
        if (read && over)
        {
            var every = new ExactOffsetSet(StoredPages);
            read = ClearRepeats(offset => !every.Add(offset), out failedAt);
        }
        else if (read && offsets.NeedsReplay)
        {
            read = ClearRepeats(offsets.Replay, out failedAt);
        }

        compression = seen;
        repeated = count;
        return read;

        bool ClearRepeats(Func<ulong, bool> repeats, out long failedBlock) => TryForEachDescriptor((pfn, _, descriptor) =>
        {
            if (IsSet(stored, pfn) && repeats(descriptor.DataOffset))
            {
                Clear(pfn);
                count++;
            }
        }, out failedBlock);

        void Clear(long pfn) => stored[(int)(pfn >> 3)] &= (byte)~(1 << (int)(pfn & 7));
    }

    /// <summary>
    /// For each page data offset asked for, the stored pages whose descriptor names it, with their descriptors' offsets;
    /// false when the descriptors do not read (<paramref name="failedAt"/>: the offset of the block that did not).
    /// </summary>
    internal bool TryGetPagesWithData(HashSet<ulong> dataOffsets, out Dictionary<ulong, List<(ulong Pfn, long DescriptorOffset)>> pages, out long failedAt)
    {
        var found = new Dictionary<ulong, List<(ulong, long)>>();
        pages = found;
        return TryForEachDescriptor((pfn, at, descriptor) =>
        {
            ulong data = descriptor.DataOffset;
            if (IsSet(_ram, pfn) && dataOffsets.Contains(data))
            {
                if (!found.TryGetValue(data, out var list))
                {
                    found[data] = list = [];
                }

                list.Add(((ulong)pfn, at));
            }
        }, out failedAt);
    }

    /// <summary>Where the page_desc of a stored page is, and what it says; false for a page the dump does not store.</summary>
    internal bool TryGetDescriptor(ulong pfn, out long descriptorOffset, out KdumpPageDescriptor descriptor)
    {
        descriptorOffset = -1;
        descriptor = default;
        return pfn < (ulong)_present.Length * 8 && IsSet(_present, (long)pfn) && TryReadDescriptor(pfn, null, out descriptorOffset, out descriptor);
    }

    // The page_desc of a page whose present bit is set, through the read-ahead when there is one.
    private bool TryReadDescriptor(ulong pfn, ReadAhead? ahead, out long descriptorOffset, out KdumpPageDescriptor descriptor)
    {
        descriptorOffset = DescriptorOffset(pfn);
        scoped Span<byte> copy = stackalloc byte[KdumpLayout.PageDescriptorSize];
        scoped ReadOnlySpan<byte> bytes;
        if (ahead is null || !ahead.TryRead(Source, descriptorOffset, copy.Length, out bytes))
        {
            if (!Source.TryRead(descriptorOffset, copy))
            {
                descriptor = default;
                return false;
            }

            bytes = copy;
        }

        descriptor = KdumpPageDescriptor.Read(bytes, new ByteReader(ByteOrder == KeyBlobByteOrder.BigEndian));
        return true;
    }

    private long DescriptorOffset(ulong pfn)
    {
        ulong block = pfn / (RankBlockBytes * 8);
        long index = _rank[(int)block] + PopCount(_present.AsSpan((int)block * RankBlockBytes, (int)((pfn >> 3) & (RankBlockBytes - 1))));
        index += BitOperations.PopCount((uint)(_present[(int)(pfn >> 3)] & ((1 << (int)(pfn & 7)) - 1)));
        return _descriptors + (index * KdumpLayout.PageDescriptorSize);
    }
}
