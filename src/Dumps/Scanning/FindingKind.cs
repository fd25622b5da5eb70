namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>What a scan found.</summary>
public enum FindingKind
{
    /// <summary>A complete blob: a count of 1..128 followed by that many well-formed entries.</summary>
    Blob = 0,

    /// <summary>A well-formed entry that is not part of a complete blob (a heap copy can be partly overwritten).</summary>
    Entry = 1,
}
