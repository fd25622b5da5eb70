using System.Security.Cryptography;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>
/// Finds every complete blob and every lone well-formed entry in a dump's physical memory, in windows scanned on all
/// cores. A window reads on past its end by one largest blob, so a blob that crosses into the next window is found whole.
/// </summary>
public static class DumpScanner
{
    /// <summary>Bytes of candidates each window covers: 1 MiB, so that a window read into a worker's buffer is still in
    /// the core's second-level cache when the blob scan and then the form search read it (4 MiB windows: 5-7 % slower on
    /// raw images, measured side by side).</summary>
    internal const int WindowSize = 1 << 20;

    /// <summary>Bytes of windows a parallel loop hands one thread at a time (<see cref="Runs"/>).</summary>
    internal const int RunSize = 4 << 20;

    private const int Lookback = KeyBlobLayout.HeaderSize;
    private const int Overlap = KeyBlobLayout.MaxBlobSize;

    /// <summary>Scans the stored memory of <paramref name="memory"/> (what reads as zero cannot hold a key). Damaged pages are reported in the result and scanned as zero; nothing throws for hostile bytes.</summary>
    public static DumpScanResult Scan(PhysicalMemory memory, DumpScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        options ??= new DumpScanOptions();
        List<Window> windows = PlanWindows(memory, out ulong total);
        var hits = new List<(ulong Position, WindowScanner.Hit Hit)>();
        int maxFindings = options.MaxFindings > 0 ? options.MaxFindings : DumpScanOptions.DefaultMaxFindings;
        long dropped = 0;
        var problems = new List<DumpProblem>();
        int problemCount = 0;
        long done = 0;
        var gate = new Lock();
        using var workers = new ScanWorkers();
        Parallel.ForEach(
            windows.Where(static w => w.ScansBlobs),
            Parallelism(options),
            workers.Rent,
            (window, state, local) =>
            {
                if (options.CancellationToken.IsCancellationRequested)
                {
                    state.Stop();
                    return local;
                }

                ulong lookStart = window.LookStart;
                ReadOnlySpan<byte> data = Read(memory, lookStart, (int)(window.BlobReadEnd - lookStart), local, options.MaxProblems, problems, ref problemCount, gate);
                local.Hits.Clear();
                WindowScanner.Scan(data, (int)(window.Start - lookStart), (int)(window.End - lookStart), options.ByteOrders, local.Hits);
                long now = Interlocked.Add(ref done, (long)(window.End - window.Start));
                lock (gate)
                {
                    Collect(hits, local.Hits, lookStart, maxFindings, ref dropped);
                    options.Progress?.Report(new DumpScanProgress((ulong)now, total, hits.Count));
                }

                return local;
            },
            workers.Return);

        bool cancelled = (ulong)done < total;
        List<DumpFinding> findings = Finish(memory, hits, cancelled, options.ByteOrders, maxFindings, ref dropped);
        return new DumpScanResult
        {
            Findings = findings,
            BytesScanned = (ulong)done,
            Cancelled = cancelled,
            RepeatedPages = memory.RepeatedPages,
            FindingCount = findings.Count + dropped,
            Problems = problems,
            ProblemCount = problemCount,
        };
    }

    /// <summary>One window of the scan: candidates at <c>[Start, End)</c> of the range <c>[RangeStart, RangeEnd)</c>, which reads as zero up to <c>ReadLimit</c>.</summary>
    internal readonly record struct Window(ulong Start, ulong End, ulong RangeStart, ulong RangeEnd, ulong ReadLimit, bool ScansBlobs)
    {
        /// <summary>Where the blob scan's bytes start: one header before the window, so that a blob whose first entry is a candidate is read whole.</summary>
        public ulong LookStart => Start - RangeStart >= Lookback ? Start - Lookback : Start;

        /// <summary>Where the blob scan's bytes end: one largest blob past the window, within what reads as zero.</summary>
        public ulong BlobReadEnd => ReadLimit - End > Overlap ? End + Overlap : ReadLimit;

        /// <summary>Where the form search starts: the range's first window covers the bytes before its first aligned word too.</summary>
        public ulong FormStart => Start - RangeStart < 4 ? RangeStart : Start;

        /// <summary>Where the form search's bytes end for forms of at most <paramref name="longest"/> bytes: within the range's stored bytes.</summary>
        public ulong FormReadEnd(int longest) => RangeEnd - End > (ulong)(longest - 1) ? End + (ulong)(longest - 1) : RangeEnd;
    }

    // The windows of a scan, in address order, and the bytes their candidates cover.
    internal static List<Window> PlanWindows(PhysicalMemory memory, out ulong total)
    {
        var windows = new List<Window>();
        total = 0;
        foreach (PhysicalRange range in memory.ScanRanges)
        {
            // Candidates are 4-byte aligned. A window reads on past the stored bytes into what reads as zero (a blob whose
            // zero tail is on an excluded page, or past p_filesz), within the memory range that holds them, by one entry:
            // an excluded page is all zero, so the blob bytes on it are the last entry's zero padding, less than an entry.
            // No further, so that a dump of many short stored runs (makedumpfile -d 31) is not read many times over.
            ulong first = range.Start + ((4 - (range.Start & 3)) & 3);
            ulong rangeEnd = memory.RangeEndOf(range.Start);
            ulong readLimit = rangeEnd - range.End > KeyBlobLayout.EntrySize ? range.End + KeyBlobLayout.EntrySize : rangeEnd;

            // A range that ends within 3 bytes of 2^64 has no aligned candidate; its bytes are still searched for forms.
            bool blobs = first >= range.Start;
            ulong from = blobs ? first : range.Start;

            // Lengths are compared, never ends added, so nothing wraps near 2^64.
            for (ulong start = from; start < range.End;)
            {
                ulong end = range.End - start > WindowSize ? start + WindowSize : range.End;
                windows.Add(new Window(start, end, range.Start, range.End, readLimit, blobs));
                total += blobs ? end - start : 0;
                start = end;
            }
        }

        return windows;
    }

    /// <summary>
    /// Consecutive items (windows in address order) in runs of at least <see cref="RunSize"/> bytes, as [From, To)
    /// index pairs, for a parallel loop that gives each run to one thread: a dump of many short stored runs (makedumpfile
    /// excluding zero pages) has many small windows, and a reader that reads the file ahead (kdump page data) then reads
    /// each stretch of it once, on the thread whose next window it holds, and not once more on each thread it was handed to.
    /// </summary>
    internal static List<Tuple<int, int>> Runs(int count, Func<int, ulong> bytes)
    {
        var runs = new List<Tuple<int, int>>();
        for (int from = 0; from < count;)
        {
            int to = from;
            for (ulong sum = 0; to < count && sum < RunSize; to++)
            {
                sum += bytes(to);
            }

            runs.Add(Tuple.Create(from, to));
            from = to;
        }

        return runs;
    }

    internal static ParallelOptions Parallelism(DumpScanOptions options) =>
        new() { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount };

    // Adds a window's hits (offsets from lookStart). Memory stays bounded whatever the dump holds: the hits with the lowest
    // addresses are kept. The caller holds the lock.
    internal static void Collect(List<(ulong Position, WindowScanner.Hit Hit)> hits, List<WindowScanner.Hit> window, ulong lookStart, int maxFindings, ref long dropped)
    {
        foreach (WindowScanner.Hit hit in window)
        {
            hits.Add((lookStart + (ulong)hit.Offset, hit));
        }

        if (hits.Count > 2 * maxFindings)
        {
            hits.Sort(ByPosition);
            dropped += hits.Count - maxFindings;
            hits.RemoveRange(maxFindings, hits.Count - maxFindings);
        }
    }

    // The findings of the hits, then (for a scan that ran to its end) those of overwritten records, at most maxFindings.
    internal static List<DumpFinding> Finish(PhysicalMemory memory, List<(ulong Position, WindowScanner.Hit Hit)> hits, bool cancelled, ScanByteOrders orders, int maxFindings, ref long dropped)
    {
        List<DumpFinding> findings = Merge(memory, hits);
        if (!cancelled)
        {
            ScanOverwritten(memory, orders, findings);
        }

        if (findings.Count > maxFindings)
        {
            dropped += findings.Count - maxFindings;
            findings.RemoveRange(maxFindings, findings.Count - maxFindings);
        }

        return findings;
    }

    /// <summary>
    /// The audit in one read of the memory: every blob and entry (<see cref="Scan"/>), every other form of their keys and of
    /// <paramref name="keys"/>'s (<see cref="SearchForms"/>), and the copies outside memory (<see cref="SearchOutsideMemory"/>),
    /// in one result, in that order; <paramref name="keys"/> gains the keys found. Each window is read once for its blobs and
    /// the forms of every key known by then; only the windows read before a key turned up are read again, for that key alone
    /// (<see cref="DumpScanResult.WindowsReread"/>). The findings are those of the three calls made one after the other.
    /// </summary>
    /// <remarks>
    /// A cancelled scan returns what it found so far and says so; the forms of keys found after a window was read are then
    /// not searched for in it, and nothing outside memory is searched.
    /// </remarks>
    public static DumpScanResult ScanEveryForm(PhysicalMemory memory, Forms.KeySet keys, DumpScanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        return EveryFormScanner.Scan(memory, keys, options ?? new DumpScanOptions());
    }

    /// <summary>
    /// Searches the stored memory of <paramref name="memory"/> in one pass for every other form of every key in
    /// <paramref name="keys"/>: its raw bytes and each half at any alignment, and the AES encryption and decryption
    /// schedules of each 16-, 24- or 32-byte candidate. Copies that lie inside one of <paramref name="known"/> (the blobs
    /// and entries found) or inside a longer copy (a schedule starts with its key) are not reported again.
    /// </summary>
    public static DumpScanResult SearchForms(PhysicalMemory memory, Forms.KeySet keys, IReadOnlyList<DumpFinding>? known = null, DumpScanOptions? options = null) =>
        FormScanner.Search(memory, keys, known ?? [], options ?? new DumpScanOptions());

    /// <summary>
    /// Every copy of every form of every key in <paramref name="keys"/> that lies outside the dump's memory as the reader
    /// sees it (see <see cref="DumpFinding.OutsideMemory"/>): the bytes of an ELF, LiME or raw file as stored, and every
    /// stored kdump page outside RAM, searched as <see cref="Scrubbing.LeftoverCheck"/> searches them, less the copies
    /// <paramref name="inMemory"/> (the findings of <see cref="Scan"/> and <see cref="SearchForms"/>) already hold. A kdump
    /// file's other bytes (headers, stale flattened records) are not reported here; the scrubber zeroes copies there too.
    /// </summary>
    /// <remarks><paramref name="cancellationToken"/> stops the search between 4 MiB chunks and pages; the copies found so far are returned.</remarks>
    public static IReadOnlyList<DumpFinding> SearchOutsideMemory(
        PhysicalMemory memory, Forms.KeySet keys, IReadOnlyList<DumpFinding> inMemory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(inMemory);
        Sources.DumpSource bytes = memory.StoredFile;
        Scrubbing.LeftoverCheck.TryCheck(bytes, () => (memory, default), false, keys, memory.ByteOrder == KeyBlobByteOrder.BigEndian, out var copies, DumpScanOptions.DefaultMaxFindings, out _, OutsideView(memory, keys), cancellationToken);
        var outside = new List<DumpFinding>();
        foreach (Scrubbing.Leftover copy in copies)
        {
            ulong? address = copy.PageFrame >= 0 ? ((ulong)copy.PageFrame * (ulong)memory.PageSize) + (ulong)copy.PageOffset : null;
            bool held = inMemory.Any(f => !f.InOverwrittenRecord && (address is ulong a
                ? a >= f.Position && a - f.Position < (ulong)f.Length
                : f.FileOffset is long o && copy.FileOffset >= o && copy.FileOffset - o < f.Length));
            bool inRam = address is ulong at && memory.Covers(at, (ulong)copy.Length);

            // A kdump file's bytes hold its pages' data (raw-stored pages verbatim) at offsets no finding names: those copies
            // are not told apart from the pages' here, so only pages are reported for it (scrub zeroes both all the same).
            bool kdumpBytes = memory.FileBytesArePages && address is null;
            if (held || inRam || kdumpBytes)
            {
                continue;
            }

            outside.Add(new DumpFinding
            {
                Kind = copy.Kind,
                Address = address,
                FileOffset = copy.FileOffset >= 0 ? copy.FileOffset : null,
                ByteOrder = memory.ByteOrder,
                Length = copy.Length,
                Keys = [new FoundKey(keys.GetDescription(copy.KeyIndex), keys.GetKeyLength(copy.KeyIndex))],
                Part = copy.Part,
                Schedule = copy.Schedule,
                KeyIndex = copy.KeyIndex,
                OutsideMemory = true,
                Position = address ?? 0,
            });
        }

        // As in memory: a copy inside a longer one (a half in its key, a key at a schedule's start) is not reported again.
        static ulong Where(DumpFinding f) => f.Address ?? (ulong)f.FileOffset!.Value;
        outside.Sort((a, b) => a.Address.HasValue != b.Address.HasValue ? a.Address.HasValue.CompareTo(b.Address.HasValue)
            : Where(a) != Where(b) ? Where(a).CompareTo(Where(b)) : b.Length.CompareTo(a.Length));
        var kept = new List<DumpFinding>();
        foreach (DumpFinding finding in outside)
        {
            if (kept.Count > 0 && kept[^1].Address.HasValue == finding.Address.HasValue
                && Where(finding) + (ulong)finding.Length <= Where(kept[^1]) + (ulong)kept[^1].Length)
            {
                continue;
            }

            kept.Add(finding);
        }

        return kept;
    }

    // What the search outside memory must read: the copies it reports are those the reader's view does not hold, so the
    // bytes and pages that view shows (searched by SearchForms already) are left out, with a margin of one longest form
    // around what is searched so that a copy crossing the edge is still seen whole. A kdump file's own bytes are left out
    // entirely (their copies are not reported, see SearchOutsideMemory), and only pages next to a page outside RAM are
    // decompressed: a copy in pages that are all in RAM is in memory.
    private static Scrubbing.LeftoverCheck.Scope OutsideView(PhysicalMemory memory, Forms.KeySet keys)
    {
        int longest = Forms.FormPatterns.MaxScheduleLength;
        for (int k = 0; k < keys.Count; k++)
        {
            longest = Math.Max(longest, keys.GetKeyLength(k));
        }

        return memory.OutsideView(longest - 1);
    }

    // Reads a window, without a copy where the dump is mapped; a window with unreadable pages is read page by page,
    // those pages scanned as zero and reported.
    internal static ReadOnlySpan<byte> Read(
        PhysicalMemory memory, ulong address, int length, Worker worker, int maxProblems, List<DumpProblem> problems, ref int problemCount, Lock gate)
    {
        if (memory.TryGetSpan(address, length, worker.View, out ReadOnlySpan<byte> span))
        {
            return span;
        }

        // Only windows that are not mapped need a buffer: a mapped dump never touches (nor page-faults) one.
        if (worker.Buffer is null || worker.Buffer.Length < length)
        {
            worker.Release();
            worker.Buffer = GC.AllocateUninitializedArray<byte>(Math.Max(length, Lookback + WindowSize + Overlap), pinned: true);
        }

        Span<byte> destination = worker.Buffer.AsSpan(0, length);
        worker.Used = Math.Max(worker.Used, length);
        if (memory.TryRead(address, destination, out _))
        {
            return destination;
        }

        int page = memory.PageSize;
        for (int at = 0; at < length;)
        {
            ulong here = address + (ulong)at;
            int count = (int)Math.Min((ulong)(length - at), (ulong)page - (here % (ulong)page));
            if (!memory.TryRead(here, destination.Slice(at, count), out DumpProblem problem))
            {
                destination.Slice(at, count).Clear();
                lock (gate)
                {
                    // Overlapping windows read some pages twice; report each problem once.
                    if (!problems.Contains(problem))
                    {
                        problemCount++;
                        if (problems.Count < maxProblems)
                        {
                            problems.Add(problem);
                        }
                    }
                }
            }

            at += count;
        }

        return destination;
    }

    // The record bytes a later record replaced, read as stored (an uncompressed stale page shows its keys; a compressed one
    // does not, which is why scrub zeroes all of them). Offsets within a record are not known to be aligned, so every
    // byte shift is tried. They are few: makedumpfile and QEMU rewrite only headers and the last bitmap or descriptor block.
    private static void ScanOverwritten(PhysicalMemory memory, ScanByteOrders orders, List<DumpFinding> findings)
    {
        if (memory.OverwrittenRecords.Count == 0)
        {
            return;
        }

        var hits = new List<WindowScanner.Hit>();
        var seen = new HashSet<long>();
        byte[] buffer = GC.AllocateUninitializedArray<byte>(Lookback + WindowSize + Overlap, pinned: true);
        try
        {
            foreach (var (start, length) in memory.OverwrittenRecords)
            {
                for (long at = 0; at < length; at += WindowSize)
                {
                    long lookStart = Math.Max(0, at - Lookback);
                    int count = (int)Math.Min(length - lookStart, at + WindowSize + Overlap - lookStart);
                    Span<byte> data = buffer.AsSpan(0, count);
                    memory.StoredFile.TryRead(start + lookStart, data);
                    int to = (int)Math.Min(length - lookStart, at + WindowSize - lookStart);
                    // A replaced run can be 1..3 bytes long: only the shifts that leave bytes to scan.
                    for (int shift = 0; shift < 4 && shift < data.Length; shift++)
                    {
                        hits.Clear();
                        int from = (int)(at - lookStart) + shift;
                        WindowScanner.Scan(data[shift..], from - shift, to - shift, orders, hits);
                        foreach (WindowScanner.Hit hit in hits)
                        {
                            long offset = start + lookStart + shift + hit.Offset;
                            if (seen.Add(offset))
                            {
                                findings.Add(new DumpFinding
                                {
                                    Kind = hit.Kind,
                                    Address = null,
                                    FileOffset = offset,
                                    ByteOrder = hit.ByteOrder,
                                    Length = hit.Length,
                                    Keys = hit.Keys,
                                    Problems = hit.Problems,
                                    InOverwrittenRecord = true,
                                });
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    // Sorts by position; drops findings seen twice and a blob's own entries (or a blob made of its entries' bytes), and
    // nothing else: an overlapping finding never hides another. Attaches addresses and file offsets.
    private static List<DumpFinding> Merge(PhysicalMemory memory, List<(ulong Position, WindowScanner.Hit Hit)> hits)
    {
        hits.Sort(ByPosition);
        var findings = new List<DumpFinding>(hits.Count);
        var blobs = new List<(ulong Start, ulong End, KeyBlobByteOrder Order)>();
        foreach (var (position, hit) in hits)
        {
            blobs.RemoveAll(b => b.End <= position);
            if (findings.Count > 0 && findings[^1].Position == position && findings[^1].Kind == hit.Kind && findings[^1].ByteOrder == hit.ByteOrder)
            {
                continue;
            }

            // An entry of a blob found sits at blob + 4 + 388 k; a blob made of its entries' bytes starts at blob + 388 k.
            ulong shift = hit.Kind == FindingKind.Entry ? (ulong)KeyBlobLayout.HeaderSize : 0;
            if (blobs.Exists(b => b.Order == hit.ByteOrder && position > b.Start && (ulong)hit.Length <= b.End - position
                && (position - b.Start - shift) % KeyBlobLayout.EntrySize == 0))
            {
                continue;
            }

            findings.Add(new DumpFinding
            {
                Kind = hit.Kind,
                Address = memory.AddressesKnown ? position : null,
                FileOffset = memory.HasFileOffsets && memory.TryGetFileOffset(position, out long offset) ? offset : null,
                ByteOrder = hit.ByteOrder,
                Length = hit.Length,
                Keys = hit.Keys,
                Problems = hit.Problems,
                Position = position,
            });
            if (hit.Kind == FindingKind.Blob)
            {
                blobs.Add((position, position + (ulong)hit.Length, hit.ByteOrder));
            }
        }

        return findings;
    }

    private static int ByPosition((ulong Position, WindowScanner.Hit Hit) a, (ulong Position, WindowScanner.Hit Hit) b) =>
        a.Position != b.Position ? a.Position.CompareTo(b.Position)
        : a.Hit.Kind != b.Hit.Kind ? a.Hit.Kind.CompareTo(b.Hit.Kind) : a.Hit.ByteOrder.CompareTo(b.Hit.ByteOrder);

    // One per worker thread: the copy buffer for windows that are not mapped (allocated on first use, cleared at the end),
    // the mapping of a window that is, and the window's hits.
    internal sealed class Worker
    {
        public byte[]? Buffer { get; set; }

        public FileView View { get; } = new();

        // The longest prefix of the buffer a read filled: only it can hold dump bytes.
        public int Used { get; set; }

        public List<WindowScanner.Hit> Hits { get; } = [];

        // Zeroes the buffer (it held dump bytes) and ends the mapping.
        public void Release()
        {
            CryptographicOperations.ZeroMemory(Buffer.AsSpan(0, Used));
            Used = 0;
            View.Release();
        }
    }
}
