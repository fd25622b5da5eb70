namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>How <see cref="DumpScanner"/> scans.</summary>
public sealed class DumpScanOptions
{
    /// <summary>Byte orders to look for; both by default.</summary>
    public ScanByteOrders ByteOrders { get; init; } = ScanByteOrders.Both;

    /// <summary>Threads that scan at once; 0 means every core.</summary>
    public int MaxDegreeOfParallelism { get; init; }

    /// <summary>Told, now and then from any thread, how far the scan is.</summary>
    public IProgress<DumpScanProgress>? Progress { get; init; }

    /// <summary>
    /// Stops the scan between windows: a window is scanned whole or not at all. The result then holds what the windows
    /// scanned found and says so (<see cref="DumpScanResult.Cancelled"/>); nothing throws.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Default <see cref="MaxFindings"/>.</summary>
    public const int DefaultMaxFindings = 10_000;

    /// <summary>Most findings kept (those at the lowest addresses); the rest are counted in <see cref="DumpScanResult.FindingCount"/>. 0 means <see cref="DefaultMaxFindings"/>.</summary>
    public int MaxFindings { get; init; }

    /// <summary>Most problems (unreadable pages) kept; the scan goes on past them.</summary>
    public int MaxProblems { get; init; } = 100;
}
