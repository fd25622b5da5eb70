namespace CrashDmCrypt.Codec;

/// <summary>One reason a blob or key set was refused: what, which entry, and where.</summary>
/// <param name="Error">The rule that failed.</param>
/// <param name="EntryIndex">Index of the entry (or key) at fault, or -1 for the header or the blob as a whole.</param>
/// <param name="Offset">
/// Byte offset of the offending field or byte from the start of the input. It is at most the input's length:
/// truncation errors point at the end, where more bytes were needed. For the writer it is the offset the field would have in the blob.
/// </param>
public readonly record struct KeyBlobProblem(KeyBlobError Error, int EntryIndex, int Offset)
{
    /// <summary>Stable text code, e.g. <c>CDC006</c>.</summary>
    public string Code => KeyBlobErrors.GetCode(Error);

    /// <summary>Fixed explanation; never contains input bytes.</summary>
    public string Message => KeyBlobErrors.GetMessage(Error);

    /// <summary><c>CODE entry N at offset M: message</c>.</summary>
    public override string ToString() =>
        Error == KeyBlobError.None ? $"{Code}: {Message}"
        : EntryIndex < 0
            ? $"{Code} header at offset {Offset}: {Message}"
            : $"{Code} entry {EntryIndex} at offset {Offset}: {Message}";
}
