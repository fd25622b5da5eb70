using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Formats;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Scrubbing;

/// <summary>
/// The check that proves a scrubbed file: independent of the scan that found the copies and of the reader's view of
/// memory. It searches every byte of the file as stored (headers, holes, stale flattened records, bytes no segment or
/// descriptor names), and, for a kdump-compressed or flattened file, every page that any page descriptor names,
/// decompressed, in page-frame order with the previous page's tail (so a copy across two pages is seen), whatever the
/// bitmaps say, for every key's raw bytes, halves and AES schedules. Nothing found means no form of any key remains.
/// </summary>
public static class LeftoverCheck
{
    private const int Chunk = 4 << 20;

    /// <summary>Checks the file at <paramref name="path"/> for every form of every key in <paramref name="keys"/>.</summary>
    /// <param name="path">The file to check (a scrubbed copy).</param>
    /// <param name="keys">The keys.</param>
    /// <param name="bigEndian">Also look for schedules with big-endian words (a big-endian dump).</param>
    /// <param name="leftovers">What remains, in the order found, at most <paramref name="maxLeftovers"/>.</param>
    /// <param name="maxLeftovers">Most leftovers kept.</param>
    /// <param name="problem">Why the whole file could not be checked (a read failed, a page does not decompress): then the check proves nothing.</param>
    /// <param name="cancellationToken">Stops the check between chunks and pages: it then returns false with no problem.</param>
    /// <returns>True when the whole file was checked (whether or not something remains).</returns>
    public static bool TryCheck(
        string path, KeySet keys, bool bigEndian, out IReadOnlyList<Leftover> leftovers, int maxLeftovers, out DumpProblem problem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(keys);
        leftovers = [];
        DumpSource file;
        try
        {
            file = FileSource.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = DumpProblem.At(DumpError.IoError, -1);
            return false;
        }

        // The check opens the file on its own, and reads it again for its pages through a reader of its own.
        using (file)
        {
            return TryCheck(file, () => DumpReader.TryOpen(path, default, out PhysicalMemory? m, out DumpProblem p) ? (m, p) : (null, p), true, keys, bigEndian, out leftovers, maxLeftovers, out problem, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// Which parts of the file the check searches: file runs (null: every byte) and kdump pages (null: every page a
    /// descriptor names). A scan that has already searched the reader's view of memory narrows the check to what that
    /// view does not show; the scrubber and the proof of a scrubbed file search everything.
    /// </summary>
    internal readonly record struct Scope(IReadOnlyList<(long Start, long Length)>? FileRuns, Func<long, bool>? SearchPage)
    {
        public static Scope Everything => default;
    }

    /// <summary>
    /// The check over a file's bytes and the pages of the memory <paramref name="open"/> gives (its own reader of the same
    /// file), as far as <paramref name="scope"/> reaches (everything by default).
    /// </summary>
    internal static bool TryCheck(
        DumpSource file,
        Func<(PhysicalMemory? Memory, DumpProblem Problem)> open,
        bool disposeMemory,
        KeySet keys,
        bool bigEndian,
        out IReadOnlyList<Leftover> leftovers,
        int maxLeftovers,
        out DumpProblem problem,
        Scope scope = default,
        CancellationToken cancellationToken = default)
    {
        var found = new List<Leftover>();
        leftovers = found;
        using FormPatterns patterns = FormPatterns.Create(keys, bigEndian);
        if (patterns.Count == 0)
        {
            problem = default;
            return true;
        }

        if (!TryCheckBytes(file, scope.FileRuns ?? [(0, file.Length)], patterns, found, maxLeftovers, out problem, cancellationToken))
        {
            return false;
        }

        // Every page a descriptor names, decompressed.
        var (memory, openProblem) = open();
        if (memory is null)
        {
            // A copy of a format whose pages are not compressed needs no more; a kdump copy that does not open is not proved.
            bool kdump = openProblem.Error is >= DumpError.KdumpBadHeader and <= DumpError.FlattenedTooManyRecords;
            problem = kdump ? openProblem : default;
            return !kdump;
        }

        try
        {
            return memory is not KdumpMemory kdump || TryCheckPages(kdump, scope.SearchPage, patterns, found, maxLeftovers, out problem, cancellationToken);
        }
        finally
        {
            if (disposeMemory)
            {
                memory.Dispose();
            }
        }
    }

    // Every copy that starts in one of runs (within the file) and lies in the file; a cancelled token stops it between chunks.
    private static bool TryCheckBytes(DumpSource file, IReadOnlyList<(long Start, long Length)> runs, FormPatterns patterns, List<Leftover> found, int max, out DumpProblem problem, CancellationToken cancellationToken)
    {
        // No runs (a kdump file's scope is its pages), no buffer: made, faulted in and zeroed only when bytes are read.
        if (runs.Count == 0)
        {
            problem = default;
            return true;
        }

        byte[] buffer = GC.AllocateUninitializedArray<byte>(Chunk + patterns.MaxLength, pinned: true);
        var hits = new List<(int Position, int Pattern)>();
        try
        {
            foreach (var (start, runLength) in runs)
            {
                long runEnd = start + runLength;
                for (long at = start; at < runEnd; at += Chunk)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        problem = default;
                        return false;
                    }

                    int length = (int)Math.Min(file.Length - at, Chunk + patterns.MaxLength - 1);
                    Span<byte> data = buffer.AsSpan(0, length);
                    if (!file.TryRead(at, data))
                    {
                        problem = DumpProblem.At(DumpError.IoError, at);
                        return false;
                    }

                    hits.Clear();
                    patterns.Search(data, 0, (int)Math.Min(Chunk, runEnd - at), (ulong)at, hits);
                    foreach (var (position, index) in hits)
                    {
                        Add(found, max, patterns[index], at + position, -1, -1);
                    }
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        problem = default;
        return true;
    }

    private static bool TryCheckPages(KdumpMemory memory, Func<long, bool>? searchPage, FormPatterns patterns, List<Leftover> found, int max, out DumpProblem problem, CancellationToken cancellationToken)
    {
        int pageSize = memory.PageSize;
        int tail = patterns.MaxLength - 1;
        byte[] buffer = GC.AllocateUninitializedArray<byte>(tail + pageSize, pinned: true);
        byte[] packed = GC.AllocateUninitializedArray<byte>(pageSize, pinned: true);
        var hits = new List<(int Position, int Pattern)>();
        var failure = default(DumpProblem);
        bool cancelled = false;
        long previous = -2;
        var seen = new ExactOffsetSet(memory.StoredPages);
        var decompressors = new PageDecompressors();
        try
        {
            bool read = memory.TryForEachDescriptor((pfn, at, descriptor) =>
            {
                if (failure.Error != DumpError.None || cancelled)
                {
                    return;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    return;
                }

                ulong offset = descriptor.DataOffset;

                // Page data that an earlier descriptor named was searched then (the shared zero page, or a hostile file's
                // thousands of repeats): the work stays in proportion to the file. Only a copy across its edges is not seen.
                // The file checked is a scrubbed copy, whose rewritten pages lie at its end, out of page-frame order: every
                // offset is kept (ExactOffsetSet), as the scan keeps them for such a file.
                if (!seen.Add(offset))
                {
                    previous = -2;
                    return;
                }

                // A page outside the scope is not searched (its data still counts as seen, so what is searched does not
                // change); the next page then starts without its tail.
                if (searchPage is not null && !searchPage(pfn))
                {
                    previous = -2;
                    return;
                }

                Span<byte> page = buffer.AsSpan(tail, pageSize);
                DumpError error = descriptor.Check(pageSize, memory.Source, out _);
                if (error == DumpError.None)
                {
                    Span<byte> data = packed.AsSpan(0, (int)descriptor.Size);
                    error = !memory.Source.TryRead((long)offset, data) ? DumpError.IoError
                        : descriptor.Method == DumpCompression.None ? Copy(data, page)
                        : decompressors.Decompress(descriptor.Method, data, page);
                }

                if (error != DumpError.None)
                {
                    failure = DumpProblem.At(error, at);
                    return;
                }

                // The previous page's last bytes stay in front when this page follows it in memory.
                int from = pfn == previous + 1 ? 0 : tail;
                hits.Clear();
                // buffer[tail] is the page's first byte (the address before it wraps for page 0; only its remainders count).
                patterns.Search(buffer, from, tail + pageSize, ((ulong)pfn * (ulong)pageSize) - (ulong)tail, hits);
                foreach (var (position, index) in hits)
                {
                    // A copy wholly inside the previous page's tail was counted with that page.
                    if (position >= tail || position + patterns[index].Length > tail)
                    {
                        Add(found, max, patterns[index], -1, position < tail ? pfn - 1 : pfn, position < tail ? position + pageSize - tail : position - tail);
                    }
                }

                buffer.AsSpan(pageSize, tail).CopyTo(buffer);
                previous = pfn;
            }, out long failedAt);

            // A block of descriptors that did not read leaves the pages after it unchecked: the check proves nothing.
            if (!read && failure.Error == DumpError.None)
            {
                failure = DumpProblem.At(DumpError.IoError, failedAt);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            CryptographicOperations.ZeroMemory(packed);
            decompressors.Dispose();
        }

        problem = failure;
        return failure.Error == DumpError.None && !cancelled;

        static DumpError Copy(ReadOnlySpan<byte> from, Span<byte> to)
        {
            from.CopyTo(to);
            return DumpError.None;
        }
    }

    private static void Add(List<Leftover> found, int max, FormPatterns.Pattern pattern, long fileOffset, long pfn, int pageOffset)
    {
        if (found.Count < max)
        {
            found.Add(new Leftover(
                pattern.Schedule == AesScheduleKind.None ? FindingKind.RawKey : FindingKind.AesSchedule,
                pattern.KeyIndex,
                pattern.Part,
                pattern.Schedule,
                fileOffset,
                pfn,
                pageOffset,
                pattern.Length));
        }
    }
}
