namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>What a scan found.</summary>
public enum FindingKind
{
    /// <summary>A complete blob: a count of 1..128 followed by that many well-formed entries.</summary>
    Blob = 0,

    /// <summary>A well-formed entry that is not part of a complete blob (a heap copy can be partly overwritten).</summary>
    Entry = 1,

    /// <summary>A known key's bytes, or one half's, at any alignment, outside any blob or entry found.</summary>
    RawKey = 2,

    /// <summary>An AES encryption or decryption key schedule derived from a known key or one half.</summary>
    AesSchedule = 3,
}
