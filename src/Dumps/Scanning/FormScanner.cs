using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Forms;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>The every-form pass of <see cref="DumpScanner.SearchForms"/>: one multi-pattern search over the stored memory, in windows on all cores.</summary>
internal static class FormScanner
{
    public static DumpScanResult Search(PhysicalMemory memory, KeySet keys, IReadOnlyList<DumpFinding> known, DumpScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(keys);
        using FormPatterns patterns = FormPatterns.Create(keys, memory.ByteOrder == DumpByteOrder.BigEndian);
        var windows = new List<(ulong Start, ulong End, ulong Limit)>();
        ulong total = 0;
        foreach (PhysicalRange range in memory.ScanRanges)
        {
            for (ulong start = range.Start; start < range.End;)
            {
                ulong end = range.End - start > DumpScanner.WindowSize ? start + DumpScanner.WindowSize : range.End;
                windows.Add((start, end, range.End));
                total += end - start;
                start = end;
            }
        }

        var hits = new List<(ulong Position, int Pattern)>();
        var problems = new List<DumpProblem>();
        int problemCount = 0;
        var gate = new Lock();
        bool cancelled = false;
        long done = 0;
        if (patterns.Count > 0)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount };
            Parallel.ForEach(
                windows,
                parallel,
                () => (Worker: new DumpScanner.Worker(), Hits: new List<(int, int)>()),
                (window, state, local) =>
                {
                    if (options.CancellationToken.IsCancellationRequested)
                    {
                        cancelled = true;
                        state.Stop();
                        return local;
                    }

                    // A copy that starts in the window is read whole: the window reads on by the longest pattern.
                    ulong readEnd = window.Limit - window.End > (ulong)(patterns.MaxLength - 1) ? window.End + (ulong)(patterns.MaxLength - 1) : window.Limit;
                    int length = (int)(readEnd - window.Start);
                    ReadOnlySpan<byte> data = DumpScanner.Read(memory, window.Start, length, local.Worker, options.MaxProblems, problems, ref problemCount, gate);
                    local.Hits.Clear();
                    patterns.Search(data, 0, (int)(window.End - window.Start), (int)(window.Start % (ulong)patterns.Stride), local.Hits);
                    Interlocked.Add(ref done, (long)(window.End - window.Start));
                    lock (gate)
                    {
                        foreach (var (offset, pattern) in local.Hits)
                        {
                            hits.Add((window.Start + (ulong)offset, pattern));
                        }
                    }

                    return local;
                },
                local =>
                {
                    CryptographicOperations.ZeroMemory(local.Worker.Buffer.AsSpan());
                });
        }

        List<DumpFinding> findings = Merge(memory, keys, patterns, known, hits);
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

    // Sorted by address, longest first at one address; a copy inside a blob or entry found, or inside a longer copy of any
    // key (a schedule begins with its key's words; a key holds its halves), is not reported again.
    private static List<DumpFinding> Merge(PhysicalMemory memory, KeySet keys, FormPatterns patterns, IReadOnlyList<DumpFinding> known, List<(ulong Position, int Pattern)> hits)
    {
        hits.Sort((a, b) => a.Position != b.Position ? a.Position.CompareTo(b.Position) : patterns[b.Pattern].Length.CompareTo(patterns[a.Pattern].Length));
        var covers = known.Where(static f => !f.InOverwrittenRecord).Select(static f => (Start: f.Position, End: f.Position + (ulong)f.Length)).OrderBy(static c => c.Start).ToList();
        var findings = new List<DumpFinding>();
        ulong coveredUntil = 0;
        int next = 0;
        ulong knownUntil = 0;
        foreach (var (position, index) in hits)
        {
            FormPatterns.Pattern pattern = patterns[index];
            ulong end = position + (ulong)pattern.Length;
            for (; next < covers.Count && covers[next].Start <= position; next++)
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
                Kind = pattern.Schedule == AesScheduleKind.None ? FindingKind.RawKey : FindingKind.AesSchedule,
                Address = memory.AddressesKnown ? position : null,
                FileOffset = memory.HasFileOffsets && memory.TryGetFileOffset(position, out long offset) ? offset : null,
                ByteOrder = pattern.BigEndianWords ? DumpByteOrder.BigEndian : DumpByteOrder.LittleEndian,
                Length = pattern.Length,
                Keys = [new FoundKey(keys.GetDescription(pattern.KeyIndex), keys.GetKeyLength(pattern.KeyIndex))],
                Part = pattern.Part,
                Schedule = pattern.Schedule,
                KeyIndex = pattern.KeyIndex,
                Position = position,
            });
        }

        return findings;
    }
}
