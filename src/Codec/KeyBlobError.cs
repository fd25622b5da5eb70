namespace CrashDmCrypt.Codec;

/// <summary>
/// Every way a blob or a key set can be refused. The numeric values are stable and
/// documented in <c>spec/FORMAT.md</c>; new members only ever get new numbers.
/// </summary>
public enum KeyBlobError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Fewer than 4 bytes: no room for <c>total_keys</c>.</summary>
    TruncatedHeader = 1,

    /// <summary><c>total_keys</c> is 0: the first kernel writes no blob at all then (strict only; for the writer, no keys given).</summary>
    CountZero = 2,

    /// <summary><c>total_keys</c> above 128, top-bit values included (for the writer, more than 128 keys).</summary>
    CountTooLarge = 3,

    /// <summary>Fewer than 4 + 388 * count bytes.</summary>
    TruncatedEntries = 4,

    /// <summary><c>key_size</c> is 0 (strict only; for the writer, an empty key). User keys hold 1..32767 bytes.</summary>
    KeySizeZero = 5,

    /// <summary><c>key_size</c> above 256: the kernel's restore path would read past the entry. An error in every mode.</summary>
    KeySizeTooLarge = 6,

    /// <summary>
    /// No NUL in the 128-byte description field (strict), or none before the entry ends (kernel mode,
    /// where the kernel's string would run on past the entry).
    /// </summary>
    DescriptionNotTerminated = 7,

    /// <summary>The description is empty; every key type refuses it (strict only).</summary>
    DescriptionEmpty = 8,

    /// <summary>The description holds a newline, which configfs cuts at and so can never have been written (strict only).</summary>
    DescriptionContainsNewline = 9,

    /// <summary>The description is not in logon form <c>prefix:rest</c> with a non-empty prefix (<c>logon_vet_description</c>; strict only).</summary>
    DescriptionNotLogonForm = 10,

    /// <summary>A non-zero byte after the description's NUL; the kernel zero-allocates the blob (strict only).</summary>
    DescriptionPaddingNotZero = 11,

    /// <summary>A non-zero byte in <c>data</c> after <c>key_size</c> bytes (strict only).</summary>
    KeyDataPaddingNotZero = 12,

    /// <summary>
    /// Two entries with the same description: the kdump kernel's create-or-update would silently
    /// replace the first key with the second (strict only; also refused by the writer).
    /// </summary>
    DuplicateDescription = 13,

    /// <summary>Bytes follow the blob and the caller asked for an exact length.</summary>
    TrailingBytes = 14,

    /// <summary>Writer: a description longer than 128 bytes, which configfs refuses.</summary>
    DescriptionTooLong = 20,

    /// <summary>
    /// Writer: a description of exactly 128 bytes. configfs accepts it, but <c>build_keys_header</c>
    /// truncates it to 127 with <c>strscpy</c>, and the logon-key lookup then uses the wrong name and fails the load.
    /// </summary>
    DescriptionTruncatedByKernel = 21,

    /// <summary>Writer: a NUL byte inside the description, which would end the C string early.</summary>
    DescriptionContainsNul = 22,
}
