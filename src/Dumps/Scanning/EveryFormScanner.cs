using System.Collections.Concurrent;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Forms;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>
/// The audit's scan in one read of each window: the blob and entry scan of <see cref="DumpScanner.Scan"/>, then in the
/// same bytes the form search of <see cref="DumpScanner.SearchForms"/> for every key known so far (the caller's from the
/// start, a blob's or entry's from the window that holds it on). Afterwards only the windows searched before a key
/// turned up are read again, for only the keys they missed. The findings are those of the two passes, in their order.
/// </summary>
internal static class EveryFormScanner
{
    public static DumpScanResult Scan(PhysicalMemory memory, KeySet keys, DumpScanOptions options)
    {
        List<DumpScanner.Window> windows = DumpScanner.PlanWindows(memory, out ulong total);
        bool bigEndian = memory.ByteOrder == KeyBlobByteOrder.BigEndian;
        int maxFindings = options.MaxFindings > 0 ? options.MaxFindings : DumpScanOptions.DefaultMaxFindings;

        // Every form a window may have to hold whole: a schedule, a key found (at most 256 bytes), or a caller's key.
        int longest = Math.Max(FormPatterns.MaxScheduleLength, KeyBlobLayout.MaxKeySize);
        for (int k = 0; k < keys.Count; k++)
        {
            longest = Math.Max(longest, keys.GetKeyLength(k));
        }

        // The keys known so far, in the order they turned up: a window's form search covers keys 0 .. searched[w] - 1.
        using KeySet known = keys.From(0);
        var searched = new int[windows.Count];
        var versions = new Versions(known, bigEndian);
        var blobHits = new List<(ulong Position, WindowScanner.Hit Hit)>();
        var formHits = new List<FormScanner.FormHit>();
        var problems = new List<DumpProblem>();
        int problemCount = 0;
        long dropped = 0;
        long done = 0;
        var gate = new Lock();
        using var workers = new ScanWorkers();
        try
        {
            // Runs of windows are handed out one at a time in address order, so that a key found early serves the windows
            // after it.
            Parallel.ForEach(
                Partitioner.Create(DumpScanner.Runs(windows.Count, w => windows[w].End - windows[w].Start), EnumerablePartitionerOptions.NoBuffering),
                DumpScanner.Parallelism(options),
                () => new Worker(workers.Rent()),
                (run, state, local) =>
                {
                    for (int w = run.Item1; w < run.Item2; w++)
                    {
                        if (options.CancellationToken.IsCancellationRequested)
                        {
                            state.Stop();
                            return local;
                        }

                        ScanWindow(w, local);
                    }

                    return local;
                },
                local => workers.Return(local.Window));

            void ScanWindow(int w, Worker local)
            {
                DumpScanner.Window window = windows[w];
                ulong dataStart = window.ScansBlobs ? Math.Min(window.LookStart, window.FormStart) : window.FormStart;
                ulong readEnd = window.FormReadEnd(longest);
                if (window.ScansBlobs)
                {
                    readEnd = Math.Max(readEnd, window.BlobReadEnd);
                }

                ReadOnlySpan<byte> data = DumpScanner.Read(memory, dataStart, (int)(readEnd - dataStart), local.Window, options.MaxProblems, problems, ref problemCount, gate);
                local.Window.Hits.Clear();
                ReadOnlySpan<byte> blobBytes = data[..0];
                if (window.ScansBlobs)
                {
                    blobBytes = data[(int)(window.LookStart - dataStart)..(int)(window.BlobReadEnd - dataStart)];
                    WindowScanner.Scan(blobBytes, (int)(window.Start - window.LookStart), (int)(window.End - window.LookStart), options.ByteOrders, local.Window.Hits);
                }

                Version version;
                lock (gate)
                {
                    foreach (WindowScanner.Hit hit in local.Window.Hits)
                    {
                        known.TryAddFrom(blobBytes.Slice(hit.Offset, hit.Length), hit.Kind, hit.ByteOrder, hit.Problems.Length == 0);
                    }

                    version = versions.Acquire();
                }

                local.Forms.Clear();
                if (version.Patterns.Count > 0)
                {
                    FormScanner.SearchWindow(version.Patterns, data, dataStart, window, local.Forms);
                }

                long now = window.ScansBlobs ? Interlocked.Add(ref done, (long)(window.End - window.Start)) : Interlocked.Read(ref done);
                lock (gate)
                {
                    DumpScanner.Collect(blobHits, local.Window.Hits, window.LookStart, maxFindings, ref dropped);
                    FormScanner.Collect(formHits, version.Patterns, 0, dataStart, local.Forms);
                    searched[w] = version.KeyCount;
                    versions.Release(version);
                    options.Progress?.Report(new DumpScanProgress((ulong)now, total, blobHits.Count));
                }
            }
        }
        finally
        {
            versions.Dispose();
        }

        bool cancelled = (ulong)done < total;
        List<DumpFinding> findings = DumpScanner.Finish(memory, blobHits, cancelled, options.ByteOrders, maxFindings, ref dropped);

        // The caller's set gains the keys of the findings kept, read again from the dump as the two passes read them; a key
        // it has that no window searched for (one in an overwritten record) joins the keys known, to be searched below.
        keys.AddFrom(memory, findings);
        for (int k = 0; k < keys.Count; k++)
        {
            known.Add(keys.GetDescription(k).Span, keys.GetKey(k));
        }

        long windowsReread = 0;
        ulong bytesReread = 0;
        if (!cancelled)
        {
            cancelled = Reread(memory, known, bigEndian, windows, searched, options, workers, formHits, problems, gate, total, out int rereadProblems, out windowsReread, out bytesReread);
            problemCount += rereadProblems;
        }

        // Hits name keys by their place in the keys known; the findings name them by the caller's set. A key known that the
        // caller's set lacks (in a finding beyond MaxFindings, or unreadable again) is not reported, as in the two passes.
        var index = new int[known.Count];
        for (int k = 0; k < known.Count; k++)
        {
            index[k] = keys.IndexOf(known.GetKey(k));
        }

        var named = new List<FormScanner.FormHit>(formHits.Count);
        foreach (FormScanner.FormHit hit in formHits)
        {
            if (index[hit.KeyIndex] >= 0)
            {
                named.Add(hit with { KeyIndex = index[hit.KeyIndex] });
            }
        }

        List<DumpFinding> forms = FormScanner.Merge(memory, keys, findings, named);
        long formCount = forms.Count;
        if (forms.Count > maxFindings)
        {
            forms.RemoveRange(maxFindings, forms.Count - maxFindings);
        }

        IReadOnlyList<DumpFinding> outside = keys.Count == 0 || cancelled ? []
            : DumpScanner.SearchOutsideMemory(memory, keys, [.. findings, .. forms], options.CancellationToken);

        // The search outside memory returns what it found when stopped; a token cancelled during it makes the result
        // incomplete (or, when it came at the very end, says so of a whole one: the safe side).
        cancelled |= keys.Count > 0 && options.CancellationToken.IsCancellationRequested;
        return new DumpScanResult
        {
            Findings = [.. findings, .. forms, .. outside],
            BytesScanned = (ulong)done,
            Cancelled = cancelled,
            RepeatedPages = memory.RepeatedPages,
            FindingCount = findings.Count + dropped + formCount + outside.Count,
            Problems = problems,
            ProblemCount = problemCount,
            WindowsReread = windowsReread,
            BytesReread = bytesReread,
        };
    }

    // Reads again each window searched before some key turned up, searching it for those keys only: the windows that
    // missed the same keys share one pattern table. True when cancelled.
    private static bool Reread(
        PhysicalMemory memory, KeySet known, bool bigEndian, List<DumpScanner.Window> windows, int[] searched, DumpScanOptions options,
        ScanWorkers workers, List<FormScanner.FormHit> formHits, List<DumpProblem> problems, Lock gate, ulong total, out int problemCount, out long windowsReread, out ulong bytesReread)
    {
        var groups = new SortedDictionary<int, List<int>>();
        for (int w = 0; w < windows.Count; w++)
        {
            if (searched[w] < known.Count)
            {
                if (!groups.TryGetValue(searched[w], out List<int>? group))
                {
                    groups[searched[w]] = group = [];
                }

                group.Add(w);
            }
        }

        var plans = new List<(int FirstKey, FormPatterns Patterns, List<int> Windows)>();
        try
        {
            ulong rereadTotal = 0;
            foreach (var (firstKey, group) in groups)
            {
                using KeySet missed = known.From(firstKey);
                FormPatterns patterns = FormPatterns.Create(missed, bigEndian);
                if (patterns.Count == 0)
                {
                    // Keys too short to be searched for: nothing to read again.
                    patterns.Dispose();
                    continue;
                }

                plans.Add((firstKey, patterns, group));
                foreach (int w in group)
                {
                    rereadTotal += windows[w].End - windows[w].FormStart;
                }
            }

            long done = 0;
            int count = 0;
            int newProblems = 0;
            bool cancelled = false;
            ulong reportTotal = total + rereadTotal;
            // Every plan's runs of windows in one loop, so that no thread waits for the other at the end of a plan.
            var items = new List<(int Plan, int From, int To)>();
            for (int p = 0; p < plans.Count; p++)
            {
                List<int> group = plans[p].Windows;
                foreach (Tuple<int, int> run in DumpScanner.Runs(group.Count, i => windows[group[i]].End - windows[group[i]].FormStart))
                {
                    items.Add((p, run.Item1, run.Item2));
                }
            }

            Parallel.ForEach(
                Partitioner.Create(items, EnumerablePartitionerOptions.NoBuffering),
                DumpScanner.Parallelism(options),
                () => (Worker: workers.Rent(), Hits: new List<(int, int)>()),
                (item, state, local) =>
                {
                    for (int i = item.From; i < item.To; i++)
                    {
                        if (options.CancellationToken.IsCancellationRequested)
                        {
                            cancelled = true;
                            state.Stop();
                            return local;
                        }

                        RereadWindow(plans[item.Plan], windows[plans[item.Plan].Windows[i]], local.Worker, local.Hits);
                    }

                    return local;
                },
                local => workers.Return(local.Worker));

            void RereadWindow((int FirstKey, FormPatterns Patterns, List<int> Windows) plan, DumpScanner.Window window, DumpScanner.Worker worker, List<(int, int)> hits)
            {
                ulong start = window.FormStart;
                int length = (int)(window.FormReadEnd(plan.Patterns.MaxLength) - start);
                ReadOnlySpan<byte> data = DumpScanner.Read(memory, start, length, worker, options.MaxProblems, problems, ref newProblems, gate);
                FormScanner.SearchWindow(plan.Patterns, data, start, window, hits);
                long now = Interlocked.Add(ref done, (long)(window.End - start));
                lock (gate)
                {
                    FormScanner.Collect(formHits, plan.Patterns, plan.FirstKey, start, hits);
                    count++;
                    options.Progress?.Report(new DumpScanProgress(total + (ulong)now, reportTotal, formHits.Count));
                }
            }

            problemCount = newProblems;
            windowsReread = count;
            bytesReread = (ulong)done;
            return cancelled;
        }
        finally
        {
            foreach (var plan in plans)
            {
                plan.Patterns.Dispose();
            }
        }
    }

    // One per task replica: the window buffer and hits of the blob scan (rented for the scan), and the form search's hits.
    private sealed class Worker(DumpScanner.Worker window)
    {
        public DumpScanner.Worker Window { get; } = window;

        public List<(int Position, int Pattern)> Forms { get; } = [];
    }

    // One form table a version of the keys known: workers take the newest when they start a window's form search (so each
    // searches a consistent set, keys 0 .. KeyCount - 1); a table is built only when a key has joined since the last, and
    // disposed when no worker uses it any more. Called under the scan's lock.
    private sealed class Versions(KeySet known, bool bigEndian) : IDisposable
    {
        private readonly List<Version> _old = [];
        private Version? _current;

        public Version Acquire()
        {
            if (_current is null || _current.KeyCount != known.Count)
            {
                if (_current is not null)
                {
                    Retire(_current);
                }

                _current = new Version(FormPatterns.Create(known, bigEndian), known.Count);
            }

            _current.Users++;
            return _current;
        }

        public void Release(Version version)
        {
            version.Users--;
            if (version != _current && version.Users == 0)
            {
                version.Patterns.Dispose();
                _old.Remove(version);
            }
        }

        public void Dispose()
        {
            _current?.Patterns.Dispose();
            foreach (Version version in _old)
            {
                version.Patterns.Dispose();
            }
        }

        private void Retire(Version version)
        {
            if (version.Users == 0)
            {
                version.Patterns.Dispose();
            }
            else
            {
                _old.Add(version);
            }
        }
    }

    private sealed class Version(FormPatterns patterns, int keyCount)
    {
        public FormPatterns Patterns { get; } = patterns;

        public int KeyCount { get; } = keyCount;

        public int Users { get; set; }
    }
}
