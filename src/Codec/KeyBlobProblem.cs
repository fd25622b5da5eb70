using System.Globalization;

namespace CrashDmCrypt.Codec;

/// <summary>One reason a blob or key set was refused: what, which entry, and where.</summary>
public readonly record struct KeyBlobProblem
{
    /// <summary>The rule that failed.</summary>
    public KeyBlobError Error { get; internal init; }

    /// <summary>Index of the entry (or key) at fault, or -1 for the header or the blob as a whole.</summary>
    public int EntryIndex { get; internal init; }

    /// <summary>
    /// Byte offset of the offending field or byte from the start of the input. It is at most the input's length:
    /// truncation errors point at the end, where more bytes were needed. For the writer it is the offset the field would have in the blob.
    /// </summary>
    public int Offset { get; internal init; }

    /// <summary>Stable text code, e.g. <c>CDC006</c>.</summary>
    public string Code => KeyBlobErrors.GetCode(Error);

    /// <summary>Fixed explanation; never contains input bytes.</summary>
    public string Message => KeyBlobErrors.GetMessage(Error);

    /// <summary><c>CODE entry N at offset M: message</c>, or <c>CODE header at offset M: message</c>.</summary>
    /// <returns>The line the tools print.</returns>
    public override string ToString() =>
        Error == KeyBlobError.None ? $"{Code}: {Message}"
        : EntryIndex < 0
            ? string.Create(CultureInfo.InvariantCulture, $"{Code} header at offset {Offset}: {Message}")
            : string.Create(CultureInfo.InvariantCulture, $"{Code} entry {EntryIndex} at offset {Offset}: {Message}");
}
