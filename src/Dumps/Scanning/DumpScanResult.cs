namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>What a scan found, in address order, and what it could not read.</summary>
public sealed class DumpScanResult
{
    /// <summary>Blobs and lone entries, sorted by position; an entry inside a found blob is not repeated. Findings in overwritten records of a flattened file (<see cref="DumpFinding.InOverwrittenRecord"/>) come last, by file offset.</summary>
    public required IReadOnlyList<DumpFinding> Findings { get; init; }

    /// <summary>
    /// True when <see cref="DumpScanOptions.CancellationToken"/> stopped the scan before every window was scanned: the
    /// findings, problems and <see cref="BytesScanned"/> are those of the windows scanned, which need not be the first ones.
    /// </summary>
    public bool Cancelled { get; init; }

    /// <summary>Bytes of memory scanned (overwritten flattened records, scanned too, are not counted; nor are pages that repeat another page's data).</summary>
    public required ulong BytesScanned { get; init; }

    /// <summary>
    /// Findings in all, of which <see cref="Findings"/> holds at most <see cref="DumpScanOptions.MaxFindings"/>. When more
    /// were found, it may count a blob's entries found apart from the blob (in another window) once more.
    /// </summary>
    public long FindingCount { get; init; }

    /// <summary>
    /// Stored kdump pages not scanned because their page descriptor names the same page data as an earlier page's (a
    /// shared zero page, or a hostile file's repeats): the bytes are scanned once, at the first such page's address.
    /// </summary>
    public long RepeatedPages { get; init; }

    /// <summary>
    /// Windows of memory (<c>4 MiB</c> each, or a range's shorter end) that <see cref="DumpScanner.ScanEveryForm"/> read a
    /// second time: their form search ran before some key turned up in a later window, and they are searched again for
    /// those keys only. 0 for the other scans.
    /// </summary>
    public long WindowsReread { get; init; }

    /// <summary>Bytes of memory those windows cover (see <see cref="WindowsReread"/>).</summary>
    public ulong BytesReread { get; init; }

    /// <summary>Pages that could not be read (damaged dump); the scan went on past them. At most <see cref="DumpScanOptions.MaxProblems"/>.</summary>
    public required IReadOnlyList<DumpProblem> Problems { get; init; }

    /// <summary>Number of problems, which may exceed the ones kept.</summary>
    public required int ProblemCount { get; init; }
}
