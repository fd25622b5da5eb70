using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>Key material found in a dump. It holds descriptions and sizes, never a key byte.</summary>
public sealed class DumpFinding
{
    /// <summary>A blob, a lone entry, or another form of a known key (raw bytes, an AES schedule).</summary>
    public required FindingKind Kind { get; init; }

    /// <summary>Physical address of the blob's count or of the entry's key_size; <see langword="null"/> when the dump does not know addresses (raw without a base).</summary>
    public required ulong? Address { get; init; }

    /// <summary>Offset in the file, for formats that store memory uncompressed (ELF, LiME, raw); otherwise <see langword="null"/>.</summary>
    public required long? FileOffset { get; init; }

    /// <summary>Byte order the finding was read in.</summary>
    public required KeyBlobByteOrder ByteOrder { get; init; }

    /// <summary>For <see cref="FindingKind.RawKey"/> and <see cref="FindingKind.AesSchedule"/>: which part of the key.</summary>
    public KeyPart Part { get; init; }

    /// <summary>For <see cref="FindingKind.AesSchedule"/>: encryption or decryption round keys.</summary>
    public AesScheduleKind Schedule { get; init; }

    /// <summary>For <see cref="FindingKind.RawKey"/> and <see cref="FindingKind.AesSchedule"/>: the key's index in the <see cref="Forms.KeySet"/> searched; -1 otherwise.</summary>
    public int KeyIndex { get; init; } = -1;

    /// <summary>Number of entries: the blob's count, or 1 (for other forms: the one key they belong to).</summary>
    public int Count => Keys.Count;

    /// <summary>Bytes the finding spans in memory: <c>4 + 388 * count</c> for a blob, 388 for an entry, the copy's length for other forms.</summary>
    public required int Length { get; init; }

    /// <summary>The keys, in order (for other forms: the key they belong to, by description and size).</summary>
    public required IReadOnlyList<FoundKey> Keys { get; init; }

    /// <summary>
    /// The strict rules the bytes break, when they break only rules a freed or reused copy breaks (non-zero padding after a
    /// description's NUL or after the key, where SLUB keeps its freelist pointer): a detector of key material reports such a
    /// copy, with what is wrong. Empty for a copy the strict reader accepts. Offsets count from the finding's first byte.
    /// </summary>
    public IReadOnlyList<KeyBlobProblem> Problems { get; init; } = [];

    /// <summary>
    /// True for bytes of a flattened file that a later record replaced: not part of the dump (<see cref="Address"/> is
    /// <see langword="null"/>), but in the file, at <see cref="FileOffset"/>, read as they are stored.
    /// </summary>
    public bool InOverwrittenRecord { get; init; }

    /// <summary>
    /// True for a copy of a known key (<see cref="FindingKind.RawKey"/>, <see cref="FindingKind.AesSchedule"/>) in bytes of
    /// the file that are no part of the dump's memory as the reader sees it: ELF headers and notes, bytes between or
    /// under overlapping segments, flattened records a later one replaced (<see cref="FileOffset"/>, no address), or a
    /// stored kdump page outside RAM (<see cref="Address"/> is then the page's, outside <see cref="PhysicalMemory.Ranges"/>).
    /// </summary>
    public bool OutsideMemory { get; init; }

    /// <summary>Where the finding is in the scan's own order (address, or file offset for raw images without a base).</summary>
    internal ulong Position { get; init; }
}
