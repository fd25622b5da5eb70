namespace CrashDmCrypt.Codec;

/// <summary>
/// One validated entry of a blob: spans over the input, never copies.
/// Only <see cref="KeyBlob"/> hands these out, so every span is inside the entry.
/// </summary>
public readonly ref struct KeyBlobEntry
{
    internal KeyBlobEntry(int index, int offset, ReadOnlySpan<byte> descriptionWithTerminator, ReadOnlySpan<byte> key)
    {
        Index = index;
        Offset = offset;
        DescriptionWithTerminator = descriptionWithTerminator;
        Key = key;
    }

    /// <summary>Position of the entry in the blob, from 0.</summary>
    public int Index { get; }

    /// <summary>Byte offset of the entry from the start of the blob.</summary>
    public int Offset { get; }

    /// <summary>The description, without its NUL (what <c>key_create_or_update</c> is given as a C string).</summary>
    public ReadOnlySpan<byte> Description => DescriptionWithTerminator[..^1];

    /// <summary>The description and its NUL terminator, ready for a native <c>add_key</c> call.</summary>
    public ReadOnlySpan<byte> DescriptionWithTerminator { get; }

    /// <summary>The key: <c>key_size</c> bytes of <c>data</c>.</summary>
    public ReadOnlySpan<byte> Key { get; }

    /// <summary>
    /// Whether the description runs past its 128-byte field into <c>data</c>. Only kernel mode accepts this
    /// (the kernel's C string would carry on into the key bytes), so such a description contains key material:
    /// never print or log it.
    /// </summary>
    public bool DescriptionRunsIntoData => DescriptionWithTerminator.Length > KeyBlobLayout.DescriptionFieldLength;

    /// <summary><c>key_size</c>, the length of <see cref="Key"/>.</summary>
    public int KeySize => Key.Length;
}
