namespace CrashDmCrypt.Codec;

/// <summary>
/// A blob that <see cref="KeyBlobReader"/> has validated: a view over the input, exactly
/// 4 + 388 * <see cref="Count"/> bytes long. Entries are decoded on demand, without copies or allocation.
/// </summary>
public readonly ref struct KeyBlob
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly EntryLengths _lengths;

    internal KeyBlob(ReadOnlySpan<byte> bytes, int count, KeyBlobReadOptions options, scoped in EntryLengths lengths)
    {
        _bytes = bytes;
        Count = count;
        Options = options;
        _lengths = lengths;
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
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, "Not an entry of this blob.");
            }

            return Decode(index);
        }
    }

    /// <summary>Enumerates the entries in blob order.</summary>
    public Enumerator GetEnumerator() => new(this);

    // From the lengths validation measured: nothing of the entry is read again, so bytes that change after
    // validation change what the spans show, never their bounds.
    private KeyBlobEntry Decode(int index)
    {
        int offset = KeyBlobLayout.GetEntryOffset(index);
        ReadOnlySpan<byte> entry = _bytes.Slice(offset, KeyBlobLayout.EntrySize);
        uint lengths = _lengths[index];
        return new KeyBlobEntry(
            index,
            offset,
            entry.Slice(KeyBlobLayout.DescriptionOffset, EntryLengths.DescriptionLength(lengths) + 1),
            entry.Slice(KeyBlobLayout.DataOffset, EntryLengths.KeySize(lengths)));
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
        public readonly KeyBlobEntry Current => _blob.Decode(_index);

        /// <summary>Advances to the next entry.</summary>
        public bool MoveNext() => ++_index < _blob.Count;
    }
}
