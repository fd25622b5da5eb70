using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Forms;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>The every-form pass of <see cref="DumpScanner.SearchForms"/>: one multi-pattern search over the stored memory, in windows on all cores.</summary>
internal static class FormScanner
{
    public static DumpScanResult Search(PhysicalMemory memory, KeySet keys, IReadOnlyList<DumpFinding> known, DumpScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        using FormPatterns patterns = FormPatterns.Create(keys, memory.ByteOrder == KeyBlobByteOrder.BigEndian);
        List<DumpScanner.Window> windows = DumpScanner.PlanWindows(memory, out _);
        ulong total = 0;
        foreach (DumpScanner.Window window in windows)
        {
            total += window.End - window.FormStart;
        }

        var hits = new List<FormHit>();
        var problems = new List<DumpProblem>();
        int problemCount = 0;
        var gate = new Lock();
        bool cancelled = false;
        long done = 0;
        if (patterns.Count > 0)
        {
            using var workers = new ScanWorkers();
            Parallel.ForEach(
                windows,
                DumpScanner.Parallelism(options),
                () => (Worker: workers.Rent(), Hits: new List<(int, int)>()),
                (window, state, local) =>
                {
                    if (options.CancellationToken.IsCancellationRequested)
                    {
                        cancelled = true;
                        state.Stop();
                        return local;
                    }

                    // A copy that starts in the window is read whole: the window reads on by the longest pattern.
                    ulong start = window.FormStart;
                    int length = (int)(window.FormReadEnd(patterns.MaxLength) - start);
                    ReadOnlySpan<byte> data = DumpScanner.Read(memory, start, length, local.Worker, options.MaxProblems, problems, ref problemCount, gate);
                    SearchWindow(patterns, data, start, window, local.Hits);
                    Interlocked.Add(ref done, (long)(window.End - start));
                    lock (gate)
                    {
                        Collect(hits, patterns, 0, start, local.Hits);
                    }

                    return local;
                },
                local => workers.Return(local.Worker));
        }

        List<DumpFinding> findings = Merge(memory, keys, known, hits);
        long count = findings.Count;
        int max = options.MaxFindings > 0 ? options.MaxFindings : DumpScanOptions.DefaultMaxFindings;
        if (findings.Count > max)
        {
            findings.RemoveRange(max, findings.Count - max);
        }

        return new DumpScanResult
        {
            Findings = findings,
            BytesScanned = cancelled ? (ulong)done : total,
            Problems = problems,
            ProblemCount = problemCount,
            FindingCount = count,
            Cancelled = cancelled,
            RepeatedPages = memory.RepeatedPages,
        };
    }

    /// <summary>
    /// The copies of <paramref name="patterns"/> that start in <paramref name="window"/>'s share of the form search, as
    /// offsets from <paramref name="dataStart"/> (the address of <paramref name="data"/>'s first byte, at or before the
    /// window's <see cref="DumpScanner.Window.FormStart"/>). <paramref name="data"/> may run past the range's stored bytes;
    /// only those are searched, so a copy is found whatever else the caller read.
    /// </summary>
    public static void SearchWindow(FormPatterns patterns, ReadOnlySpan<byte> data, ulong dataStart, DumpScanner.Window window, List<(int Position, int Pattern)> hits)
    {
        hits.Clear();
        ulong end = window.RangeEnd - dataStart < (ulong)data.Length ? window.RangeEnd : dataStart + (ulong)data.Length;
        patterns.Search(data[..(int)(end - dataStart)], (int)(window.FormStart - dataStart), (int)(window.End - dataStart), dataStart, hits);
    }

    /// <summary>Adds a window's hits (offsets from <paramref name="dataStart"/>), naming each key by its index in the pattern's key set plus <paramref name="firstKey"/>. The caller holds the lock.</summary>
    public static void Collect(List<FormHit> hits, FormPatterns patterns, int firstKey, ulong dataStart, List<(int Position, int Pattern)> window)
    {
        foreach (var (offset, index) in window)
        {
            FormPatterns.Pattern pattern = patterns[index];
            hits.Add(new FormHit(dataStart + (ulong)offset, pattern.Length, firstKey + pattern.KeyIndex, pattern.Part, pattern.Schedule, pattern.BigEndianWords));
        }
    }

    /// <summary>
    /// Sorted by address, longest first at one address (then by key and form, so the order never depends on the threads);
    /// a copy inside a blob or entry found, or inside a longer copy of any key (a schedule begins with its key's words; a
    /// key holds its halves), is not reported again. <paramref name="keys"/> names the keys of the hits' key indexes.
    /// </summary>
    public static List<DumpFinding> Merge(PhysicalMemory memory, KeySet keys, IReadOnlyList<DumpFinding> known, List<FormHit> hits)
    {
        hits.Sort(static (a, b) =>
            a.Position != b.Position ? a.Position.CompareTo(b.Position)
            : a.Length != b.Length ? b.Length.CompareTo(a.Length)
            : a.KeyIndex != b.KeyIndex ? a.KeyIndex.CompareTo(b.KeyIndex)
            : a.Part != b.Part ? a.Part.CompareTo(b.Part)
            : a.Schedule != b.Schedule ? a.Schedule.CompareTo(b.Schedule)
            : a.BigEndianWords.CompareTo(b.BigEndianWords));
        var covers = known.Where(static f => !f.InOverwrittenRecord).Select(static f => (Start: f.Position, End: f.Position + (ulong)f.Length)).OrderBy(static c => c.Start).ToList();
        var findings = new List<DumpFinding>();
        ulong coveredUntil = 0;
        int next = 0;
        ulong knownUntil = 0;
        foreach (FormHit hit in hits)
        {
            ulong end = hit.Position + (ulong)hit.Length;
            for (; next < covers.Count && covers[next].Start <= hit.Position; next++)
            {
                knownUntil = Math.Max(knownUntil, covers[next].End);
            }

            if (end <= coveredUntil || end <= knownUntil)
            {
                continue;
            }

            coveredUntil = end;
            findings.Add(new DumpFinding
            {
                Kind = hit.Schedule == AesScheduleKind.None ? FindingKind.RawKey : FindingKind.AesSchedule,
                Address = memory.AddressesKnown ? hit.Position : null,
                FileOffset = memory.HasFileOffsets && memory.TryGetFileOffset(hit.Position, out long offset) ? offset : null,
                ByteOrder = hit.BigEndianWords ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian,
                Length = hit.Length,
                Keys = [new FoundKey(keys.GetDescription(hit.KeyIndex), keys.GetKeyLength(hit.KeyIndex))],
                Part = hit.Part,
                Schedule = hit.Schedule,
                KeyIndex = hit.KeyIndex,
                Position = hit.Position,
            });
        }

        return findings;
    }

    /// <summary>A copy of one form of one key, before it is named: where, how long, and which form of which key.</summary>
    internal readonly record struct FormHit(ulong Position, int Length, int KeyIndex, KeyPart Part, AesScheduleKind Schedule, bool BigEndianWords);
}
