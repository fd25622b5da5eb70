namespace CrashDmCrypt.Codec;

/// <summary>
/// A blob that <see cref="KeyBlobReader"/> has validated: a view over the input, exactly
/// 4 + 388 * <see cref="Count"/> bytes long. Entries are decoded on demand, without copies or allocation.
/// </summary>
public readonly ref struct KeyBlob
{
    private readonly ReadOnlySpan<byte> _bytes;

    internal KeyBlob(ReadOnlySpan<byte> bytes, int count, KeyBlobReadOptions options)
    {
        _bytes = bytes;
        Count = count;
        Options = options;
    }

    /// <summary>Number of entries (<c>total_keys</c>).</summary>
    public int Count { get; }

    /// <summary>The options the blob was validated with.</summary>
    public KeyBlobReadOptions Options { get; }

    /// <summary>Blob size in bytes: 4 + 388 * <see cref="Count"/>.</summary>
    public int Size => _bytes.Length;

    /// <summary>The blob's bytes: a slice of the input, from offset 0.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Entry <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below <see cref="Count"/>.</exception>
    public KeyBlobEntry this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Decode(_bytes, index, Options);
        }
    }

    /// <summary>Enumerates the entries in blob order.</summary>
    public Enumerator GetEnumerator() => new(this);

    // Only called on validated bytes, so the terminator search cannot fail and key_size <= 256.
    internal static KeyBlobEntry Decode(ReadOnlySpan<byte> blob, int index, KeyBlobReadOptions options)
    {
        int offset = KeyBlobLayout.GetEntryOffset(index);
        ReadOnlySpan<byte> entry = blob.Slice(offset, KeyBlobLayout.EntrySize);
        int keySize = (int)KeyBlobReader.ReadUInt32(entry[KeyBlobLayout.KeySizeOffset..], options.ByteOrder);
        ReadOnlySpan<byte> text = KeyBlobReader.DescriptionSearchRange(entry, options.Mode);
        int nul = options.Mode == KeyBlobMode.Strict ? DescriptionField.IndexOfTerminator(text) : text.IndexOf((byte)0);
        return new KeyBlobEntry(
            index,
            offset,
            text[..(nul + 1)],
            entry.Slice(KeyBlobLayout.DataOffset, keySize));
    }

    /// <summary>Enumerator over <see cref="KeyBlob"/> entries.</summary>
    public ref struct Enumerator
    {
        private readonly KeyBlob _blob;
        private int _index;

        internal Enumerator(KeyBlob blob)
        {
            _blob = blob;
            _index = -1;
        }

        /// <summary>The current entry.</summary>
        public readonly KeyBlobEntry Current => Decode(_blob._bytes, _index, _blob.Options);

        /// <summary>Advances to the next entry.</summary>
        public bool MoveNext() => ++_index < _blob.Count;
    }
}
