namespace CrashDmCrypt.Dumps;

/// <summary>One reason a dump was refused or a read failed: what, and where in the file.</summary>
public readonly struct DumpProblem : IEquatable<DumpProblem>
{
    /// <summary>The rule that failed.</summary>
    public DumpError Error { get; init; }

    /// <summary>
    /// Byte offset in the file of the structure at fault (for a flattened dump: in the reassembled file),
    /// or -1 when the problem has no place in the file (an address outside the dump).
    /// </summary>
    public long FileOffset { get; init; }

    /// <summary>Stable text code, e.g. <c>CDC401</c>.</summary>
    public string Code => DumpErrors.GetCode(Error);

    /// <summary>Fixed explanation; never contains bytes of the dump.</summary>
    public string Message => DumpErrors.GetMessage(Error);

    internal static DumpProblem At(DumpError error, long fileOffset) => new() { Error = error, FileOffset = fileOffset };

    /// <summary><c>CODE at offset N: message</c>.</summary>
    public override string ToString() =>
        FileOffset < 0 ? $"{Code}: {Message}" : $"{Code} at offset {FileOffset}: {Message}";

    /// <inheritdoc/>
    public bool Equals(DumpProblem other) => Error == other.Error && FileOffset == other.FileOffset;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DumpProblem other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Error, FileOffset);

    /// <summary>Equality of error and offset.</summary>
    public static bool operator ==(DumpProblem left, DumpProblem right) => left.Equals(right);

    /// <summary>Inequality of error or offset.</summary>
    public static bool operator !=(DumpProblem left, DumpProblem right) => !left.Equals(right);
}
