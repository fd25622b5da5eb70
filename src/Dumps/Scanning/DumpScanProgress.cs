namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>How far a scan is.</summary>
/// <param name="BytesDone">Bytes of memory scanned so far.</param>
/// <param name="BytesTotal">Bytes of memory the scan covers.</param>
/// <param name="Findings">Findings so far (before blobs and their entries are merged).</param>
public readonly record struct DumpScanProgress(ulong BytesDone, ulong BytesTotal, int Findings);
