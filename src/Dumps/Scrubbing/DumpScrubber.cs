using CrashDmCrypt.Codec;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Formats;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Scrubbing;

/// <summary>
/// Writes a copy of a dump in its own format in which every finding's bytes (count, key sizes, descriptions, which name
/// the volumes, and key data) are zero. ELF, LiME and raw copies are byte-identical except those bytes, zeroed through
/// every segment that maps them. A kdump-compressed copy keeps every byte except the affected pages: each is recompressed
/// with its own method (stored raw where that does not shrink it, as makedumpfile does), appended, and its page_desc
/// rewritten; the old page data is zeroed. A flattened copy keeps the input's records, zeroes the old page data inside
/// them, and appends records for the new page data and page_desc before the end marker (later records win, as in
/// makedumpfile -R).
/// </summary>
/// <remarks>
/// Everything to zero is planned before a byte is written, and the copy zeroes it as it goes: the output never holds a
/// plaintext key byte, not even for a moment between copying and patching, so an interrupted scrub cannot leave one behind.
/// </remarks>
public static class DumpScrubber
{
    private const int CopyChunk = 1 << 20;

    /// <summary>Writes the scrubbed copy of <paramref name="memory"/> to <paramref name="output"/> (writable, seekable, empty).</summary>
    /// <returns>False with a problem when a page to scrub cannot be read; <paramref name="output"/> is then incomplete.</returns>
    public static bool TryScrub(PhysicalMemory memory, IReadOnlyList<DumpFinding> findings, Stream output, out DumpProblem problem)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var (inMemory, inFile) = Split(findings);

        return TryScrub(memory, inMemory, inFile, output, out problem);
    }

    /// <summary>
    /// Writes the scrubbed copy with every finding zero and, beyond them, every other copy of every form of every key in
    /// <paramref name="keys"/> that <see cref="LeftoverCheck"/> would find in the input: in file bytes no scan reads (ELF
    /// headers and notes, bytes between segments, stale flattened records) and in stored pages no scan reads (kdump pages
    /// outside RAM, repeats). The same check over the copy then finds nothing.
    /// </summary>
    /// <returns>
    /// False with a problem when a page to scrub cannot be read, or the input holds more copies than are kept; false with
    /// no problem when <paramref name="cancellationToken"/> stopped the search of the input (between chunks and pages),
    /// before anything was written.
    /// </returns>
    public static bool TryScrub(PhysicalMemory memory, IReadOnlyList<DumpFinding> findings, KeySet keys, Stream output, out DumpProblem problem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(keys);
        var (inMemory, inFile) = Split(findings);

        DumpSource bytes = memory.StoredFile;
        if (!LeftoverCheck.TryCheck(bytes, () => (memory, default), false, keys, memory.ByteOrder == KeyBlobByteOrder.BigEndian, out var copies, MaxCopies, out problem, cancellationToken: cancellationToken))
        {
            return false;
        }

        if (copies.Count >= MaxCopies)
        {
            problem = DumpProblem.At(DumpError.TooManyCopies, -1);
            return false;
        }

        foreach (Leftover copy in copies)
        {
            if (copy.FileOffset >= 0)
            {
                inFile.Add((copy.FileOffset, copy.Length));
            }
            else
            {
                inMemory.Add(((ulong)copy.PageFrame * (ulong)memory.PageSize + (ulong)copy.PageOffset, (ulong)copy.Length));
            }
        }

        return TryScrub(memory, inMemory, inFile, output, out problem);
    }

    // A finding's bytes: physical memory, or (a flattened record a later one replaced) bytes of the file.
    private static (List<(ulong Address, ulong Length)> InMemory, List<(long Offset, long Length)> InFile) Split(IReadOnlyList<DumpFinding> findings)
    {
        var inMemory = new List<(ulong Address, ulong Length)>();
        var inFile = new List<(long Offset, long Length)>();
        // Copies outside memory are found again, and zeroed, by the check over the input (the KeySet overload).
        foreach (DumpFinding finding in findings.Where(static f => !f.OutsideMemory))
        {
            if (finding.InOverwrittenRecord)
            {
                inFile.Add((finding.FileOffset!.Value, finding.Length));
            }
            else
            {
                inMemory.Add((finding.Position, (ulong)finding.Length));
            }
        }

        return (inMemory, inFile);
    }

    // Copies of key material beyond the findings that one scrub keeps track of.
    private const int MaxCopies = 100_000;

    /// <summary>
    /// Zeroes <paramref name="inMemory"/> (physical ranges) and <paramref name="inFile"/> (ranges of the dump file itself,
    /// for a flattened file: of the flattened file) in the copy.
    /// </summary>
    internal static bool TryScrub(
        PhysicalMemory memory, IReadOnlyList<(ulong Address, ulong Length)> inMemory, IReadOnlyList<(long Offset, long Length)> inFile, Stream output, out DumpProblem problem)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek || !output.CanWrite)
        {
            throw new ArgumentException("The output must be writable and seekable.", nameof(output));
        }

        return memory.TryWriteScrubbed(inMemory, new List<(long Offset, long Length)>(inFile), output, out problem);
    }

    /// <summary>An ELF, LiME or raw copy: the file with every stored copy of each physical range, and each file range, zero.</summary>
    internal static bool TryWriteScrubbed(SegmentedMemory segmented, IReadOnlyList<(ulong Address, ulong Length)> inMemory, List<(long Offset, long Length)> erase, Stream output, out DumpProblem problem)
    {
        foreach (var (address, length) in inMemory)
        {
            erase.AddRange(segmented.MapEveryCopy(address, length));
        }

        CopyErasing(segmented.Source, output, segmented.Source.Length, erase);
        problem = default;
        return true;
    }

    /// <summary>A kdump-compressed copy, plain or flattened: the affected pages rewritten, the old page data and each file range zero.</summary>
    internal static bool TryWriteScrubbed(KdumpMemory kdump, IReadOnlyList<(ulong Address, ulong Length)> inMemory, List<(long Offset, long Length)> erase, Stream output, out DumpProblem problem)
    {
        bool bigEndian = kdump.ByteOrder == KeyBlobByteOrder.BigEndian;
        if (kdump.Source is FlattenedSource flat)
        {
            // Record bytes a later record replaced are no part of the dump, but a stale page among them can hold keys
            // (compressed, where no scan sees them): all of them are zeroed, which leaves the reassembled dump as it was.
            erase.AddRange(flat.Overwritten);
            var flattened = new FlattenedTarget(flat, output, bigEndian);
            if (!TryPlanPages(kdump, inMemory, flattened, erase, out List<PageRewrite> flatRewrites, out problem))
            {
                return false;
            }

            CopyErasing(flat.Inner, output, flat.EndRecordOffset, erase);
            flattened.Apply(flatRewrites);
            return true;
        }

        var target = new PlainTarget(output, kdump.Source.Length, bigEndian);
        if (!TryPlanPages(kdump, inMemory, target, erase, out List<PageRewrite> rewrites, out problem))
        {
            return false;
        }

        CopyErasing(kdump.Source, output, kdump.Source.Length, erase);
        target.Apply(rewrites);
        return true;
    }

    // Copies the first length bytes of source with every erase range zeroed in the buffer before it is written.
    private static void CopyErasing(DumpSource source, Stream output, long length, List<(long Offset, long Length)> erase)
    {
        erase.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        byte[] buffer = GC.AllocateUninitializedArray<byte>(CopyChunk, pinned: true);
        try
        {
            int first = 0;
            output.Position = 0;
            for (long at = 0; at < length; at += CopyChunk)
            {
                int n = (int)Math.Min(CopyChunk, length - at);
                Span<byte> chunk = buffer.AsSpan(0, n);
                if (!source.TryRead(at, chunk))
                {
                    throw new IOException("the dump could not be read while it was copied");
                }

                // Ranges are sorted by start; those that end before this chunk are done.
                while (first < erase.Count && erase[first].Offset + erase[first].Length <= at)
                {
                    first++;
                }

                for (int k = first; k < erase.Count && erase[k].Offset < at + n; k++)
                {
                    long from = Math.Max(at, erase[k].Offset);
                    long to = Math.Min(at + n, erase[k].Offset + erase[k].Length);
                    if (from < to)
                    {
                        chunk[(int)(from - at)..(int)(to - at)].Clear();
                    }
                }

                output.Write(chunk);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    // One page data written anew: the offsets of the page_descs that name it in the (reassembled) file, and the bytes it now
    // holds (compressed or raw).
    private readonly record struct PageRewrite(long[] DescriptorOffsets, byte[] Stored, uint Flags);

    private static bool TryPlanPages(
        KdumpMemory memory, IReadOnlyList<(ulong Address, ulong Length)> inMemory, PatchTarget target, List<(long Offset, long Length)> erase, out List<PageRewrite> rewrites, out DumpProblem problem)
    {
        rewrites = [];

        // Byte ranges to zero, by page.
        int pageSize = memory.PageSize;
        var pages = new SortedDictionary<ulong, List<(int From, int Length)>>();
        foreach (var (start, length) in inMemory)
        {
            ulong address = start;
            ulong left = length;
            while (left > 0)
            {
                ulong pfn = address / (ulong)pageSize;
                int from = (int)(address % (ulong)pageSize);
                int run = (int)Math.Min(left, (ulong)(pageSize - from));
                if (!pages.TryGetValue(pfn, out var ranges))
                {
                    pages[pfn] = ranges = [];
                }

                ranges.Add((from, run));
                address += (ulong)run;
                left -= (ulong)run;
            }
        }

        // Pages that share page data (one block named by several descriptors) are scrubbed together: each gets the
        // scrubbed copy, since the old data is zeroed.
        var groups = new Dictionary<ulong, (uint Size, uint Flags, ulong Pfn, long Descriptor, List<(int From, int Length)> Ranges)>();
        foreach (var (pfn, ranges) in pages)
        {
            // An excluded page reads as zero already.
            if (!memory.TryGetDescriptor(pfn, out long descriptorOffset, out KdumpPageDescriptor descriptor))
            {
                continue;
            }

            (ulong oldOffset, uint oldSize, uint flags) = descriptor;

            if (groups.TryGetValue(oldOffset, out var group))
            {
                group.Ranges.AddRange(ranges);
            }
            else
            {
                groups[oldOffset] = (oldSize, flags, pfn, descriptorOffset, [.. ranges]);
            }
        }

        var sharing = new Dictionary<ulong, List<(ulong Pfn, long DescriptorOffset)>>();
        if (groups.Count > 0 && !memory.TryGetPagesWithData([.. groups.Keys], out sharing, out long failedAt))
        {
            problem = DumpProblem.At(DumpError.IoError, failedAt);
            return false;
        }

        byte[] page = GC.AllocateUninitializedArray<byte>(pageSize, pinned: true);
        byte[] packed = GC.AllocateUninitializedArray<byte>(Math.Max(Lzo.GetMaxCompressedLength(pageSize), Snappier.Snappy.GetMaxCompressedLength(pageSize)) + 1024, pinned: true);
        byte[]? lzoWork = null;
        try
        {
            foreach (var (oldOffset, (oldSize, flags, pfn, descriptorOffset, ranges)) in groups)
            {
                if (!memory.TryReadStoredPage(pfn, page, out problem))
                {
                    return false;
                }

                foreach (var (from, length) in ranges)
                {
                    page.AsSpan(from, length).Clear();
                }

                int size = Compress((DumpCompression)flags, page, packed, ref lzoWork);
                byte[] stored = size < 0 ? page.ToArray() : packed.AsSpan(0, size).ToArray();
                long[] descriptors = sharing.TryGetValue(oldOffset, out var named) ? [.. named.Select(static p => p.DescriptorOffset)] : [descriptorOffset];
                rewrites.Add(new PageRewrite(descriptors, stored, size < 0 ? 0 : flags));
                target.PlanErase((long)oldOffset, oldSize, erase);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(page);
            CryptographicOperations.ZeroMemory(packed);
        }

        problem = default;
        return true;
    }

    private static void WriteDescriptor(Span<byte> d, bool big, ulong offset, uint size, uint flags)
    {
        if (big)
        {
            BinaryPrimitives.WriteUInt64BigEndian(d, offset);
            BinaryPrimitives.WriteUInt32BigEndian(d[8..], size);
            BinaryPrimitives.WriteUInt32BigEndian(d[12..], flags);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(d, offset);
            BinaryPrimitives.WriteUInt32LittleEndian(d[8..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(d[12..], flags);
        }
    }

    // The page in its own method; -1 to store it raw (no method, or the result does not shrink the page).
    // lzoWork: liblzo2's work memory, allocated on the first LZO page and reused for the rest of the scrub.
    private static int Compress(DumpCompression method, byte[] page, byte[] packed, ref byte[]? lzoWork)
    {
        int size = method switch
        {
            DumpCompression.Zlib => Zlib(page, packed),
            DumpCompression.Zstd => ZstdCompress(page, packed),
            DumpCompression.Snappy => Snappier.Snappy.Compress(page, packed),
            DumpCompression.Lzo => Lzo.Compress(page, packed, lzoWork ??= new byte[Lzo.CompressWorkMemory]),
            _ => -1,
        };
        return size >= 0 && size < page.Length ? size : -1;
    }

    private static int Zlib(byte[] page, byte[] packed)
    {
        using var stream = new MemoryStream();
        using (var zlib = new ZLibStream(stream, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(page);
        }

        if (stream.Length > packed.Length)
        {
            return -1;
        }

        stream.Position = 0;
        int n = stream.Read(packed);
        CryptographicOperations.ZeroMemory(stream.GetBuffer());
        return n;
    }

    private static int ZstdCompress(byte[] page, byte[] packed)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(page, packed);
    }

    // Where a kdump copy's changes go: old page data becomes erase ranges of the copy; new page data and page_desc are
    // written after the copy.
    private abstract class PatchTarget(Stream output, bool bigEndian)
    {
        protected Stream Output => output;

        public abstract void PlanErase(long offset, long length, List<(long Offset, long Length)> erase);

        public void Apply(List<PageRewrite> rewrites)
        {
            Span<byte> descriptor = stackalloc byte[16];
            foreach (PageRewrite rewrite in rewrites)
            {
                long at = Append(rewrite.Stored);
                WriteDescriptor(descriptor, bigEndian, (ulong)at, (uint)rewrite.Stored.Length, rewrite.Flags);
                foreach (long descriptorOffset in rewrite.DescriptorOffsets)
                {
                    Write(descriptorOffset, descriptor);
                }
            }

            Finish();
        }

        protected abstract long Append(ReadOnlySpan<byte> bytes);

        protected abstract void Write(long offset, ReadOnlySpan<byte> bytes);

        protected virtual void Finish()
        {
        }
    }

    // A kdump-compressed file: writes land in place; new page data goes after the end of the file.
    private sealed class PlainTarget(Stream output, long length, bool bigEndian) : PatchTarget(output, bigEndian)
    {
        private long _end = length;

        public override void PlanErase(long offset, long length, List<(long Offset, long Length)> erase) => erase.Add((offset, length));

        protected override long Append(ReadOnlySpan<byte> bytes)
        {
            long at = _end;
            Write(at, bytes);
            _end += bytes.Length;
            return at;
        }

        protected override void Write(long offset, ReadOnlySpan<byte> bytes)
        {
            Output.Position = offset;
            Output.Write(bytes);
        }
    }

    // A flattened file: the input's records are copied up to the end marker; writes become new records after them; an
    // erase zeroes the bytes inside the records that hold them; Finish writes the end marker.
    private sealed class FlattenedTarget(FlattenedSource source, Stream output, bool bigEndian) : PatchTarget(output, bigEndian)
    {
        private long _end = source.Length;

        public override void PlanErase(long offset, long length, List<(long Offset, long Length)> erase) =>
            erase.AddRange(source.MapToFile(offset, length));

        protected override long Append(ReadOnlySpan<byte> bytes)
        {
            long at = _end;
            Write(at, bytes);
            return at;
        }

        protected override void Write(long offset, ReadOnlySpan<byte> bytes)
        {
            Span<byte> header = stackalloc byte[FlattenedSource.RecordHeaderSize];
            BinaryPrimitives.WriteInt64BigEndian(header, offset);
            BinaryPrimitives.WriteInt64BigEndian(header[sizeof(long)..], bytes.Length);
            Output.Position = Output.Length;
            Output.Write(header);
            Output.Write(bytes);
            _end = Math.Max(_end, offset + bytes.Length);
        }

        protected override void Finish()
        {
            Span<byte> end = stackalloc byte[FlattenedSource.RecordHeaderSize];
            BinaryPrimitives.WriteInt64BigEndian(end, FlattenedSource.EndOfRecords);
            BinaryPrimitives.WriteInt64BigEndian(end[sizeof(long)..], FlattenedSource.EndOfRecords);
            Output.Position = Output.Length;
            Output.Write(end);
        }
    }
}
