using System.Buffers.Binary;

namespace CrashDmCrypt.Codec;

/// <summary>
/// Validates blobs read out of kdump reserved memory. Hostile bytes never raise an exception:
/// every rule that fails is reported as a <see cref="KeyBlobProblem"/>. Nothing is allocated and
/// nothing is read outside the input, nor past the end of an entry.
/// </summary>
public static class KeyBlobReader
{
    /// <summary>
    /// Validates <paramref name="source"/> and, on success, returns a view of the blob at its start.
    /// Checks run in a fixed order (header, then each entry, then duplicates, then trailing bytes)
    /// and the first failure is returned.
    /// </summary>
    /// <param name="source">The region that starts with the blob; it may be longer than the blob.</param>
    /// <param name="options">Byte order, mode and length rule.</param>
    /// <param name="blob">The validated view; <c>default</c> on failure.</param>
    /// <param name="problem">The first failed rule; <c>default</c> on success.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order or mode.</exception>
    public static bool TryRead(ReadOnlySpan<byte> source, KeyBlobReadOptions options, out KeyBlob blob, out KeyBlobProblem problem)
    {
        CheckOptions(options);

        var collector = new ProblemCollector(default);
        EntryLengths lengths = default;
        int count = Validate(source, options, ref collector, ref lengths);
        if (collector.Count != 0)
        {
            blob = default;
            problem = collector.First;
            return false;
        }

        blob = new KeyBlob(source[..(KeyBlobLayout.HeaderSize + (KeyBlobLayout.EntrySize * count))], count, options, lengths);
        problem = default;
        return true;
    }

    /// <inheritdoc cref="TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>
    public static bool TryRead(ReadOnlySpan<byte> source, out KeyBlob blob, out KeyBlobProblem problem) =>
        TryRead(source, default, out blob, out problem);

    /// <summary>
    /// Checks every rule and records every failure, in the same order <see cref="TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/> checks them.
    /// A header failure (truncation, bad count) ends the check, since no entry can be located after it.
    /// </summary>
    /// <param name="source">The region that starts with the blob.</param>
    /// <param name="options">Byte order, mode and length rule.</param>
    /// <param name="problems">Receives the first <c>problems.Length</c> failures.</param>
    /// <returns>The number of failures found, which may exceed <c>problems.Length</c>; 0 when the blob is valid.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order or mode.</exception>
    public static int CollectProblems(ReadOnlySpan<byte> source, KeyBlobReadOptions options, Span<KeyBlobProblem> problems)
    {
        CheckOptions(options);
        var collector = new ProblemCollector(problems);
        EntryLengths lengths = default;
        Validate(source, options, ref collector, ref lengths);
        return collector.Count;
    }

    /// <summary>
    /// Validates one entry on its own: the <see cref="KeyBlobLayout.EntrySize"/> bytes at the start of
    /// <paramref name="source"/> (<c>key_size</c>, <c>key_desc</c>, <c>data</c>), by the rules <see cref="TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>
    /// applies to each entry of a blob, in the same order (the blob-wide rules, count and duplicates, do not apply).
    /// For an entry found without its blob, e.g. in a memory dump.
    /// </summary>
    /// <param name="source">The region that starts with the entry; it may be longer than the entry.</param>
    /// <param name="options">Byte order and mode (<see cref="KeyBlobReadOptions.RequireExactLength"/> asks for exactly one entry).</param>
    /// <param name="entry">The validated view (index 0, offset 0); <c>default</c> on failure.</param>
    /// <param name="problem">The first failed rule, its offset from the entry's first byte and entry index 0; <c>default</c> on success.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order or mode.</exception>
    public static bool TryReadEntry(ReadOnlySpan<byte> source, KeyBlobReadOptions options, out KeyBlobEntry entry, out KeyBlobProblem problem)
    {
        CheckOptions(options);
        var collector = new ProblemCollector(default);
        if (!ValidateOneEntry(source, options, ref collector, out int keySize, out int descriptionLength))
        {
            entry = default;
            problem = collector.First;
            return false;
        }

        entry = new KeyBlobEntry(
            0,
            0,
            source.Slice(KeyBlobLayout.DescriptionOffset, descriptionLength + 1),
            source.Slice(KeyBlobLayout.DataOffset, keySize));
        problem = default;
        return true;
    }

    /// <summary>
    /// Checks every rule of one entry on its own and records every failure, in the order <see cref="TryReadEntry"/> checks them.
    /// </summary>
    /// <param name="source">The region that starts with the entry.</param>
    /// <param name="options">Byte order and mode.</param>
    /// <param name="problems">Receives the first <c>problems.Length</c> failures (offsets from the entry's first byte, entry index 0).</param>
    /// <returns>The number of failures found, which may exceed <c>problems.Length</c>; 0 when the entry is valid.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order or mode.</exception>
    public static int CollectEntryProblems(ReadOnlySpan<byte> source, KeyBlobReadOptions options, Span<KeyBlobProblem> problems)
    {
        CheckOptions(options);
        var collector = new ProblemCollector(problems);
        ValidateOneEntry(source, options, ref collector, out _, out _);
        return collector.Count;
    }

    // One entry at the start of source: truncation, then the entry's rules (fast path first, as in Validate), then the
    // exact length when asked. True when no problem was found; keySize and descriptionLength are then the entry's.
    private static bool ValidateOneEntry(ReadOnlySpan<byte> source, KeyBlobReadOptions options, ref ProblemCollector problems, out int keySize, out int descriptionLength)
    {
        keySize = 0;
        descriptionLength = 0;
        if (source.Length < KeyBlobLayout.EntrySize)
        {
            problems.Add(KeyBlobError.TruncatedEntries, -1, source.Length);
            return false;
        }

        ReadOnlySpan<byte> entry = source[..KeyBlobLayout.EntrySize];
        int reported = problems.Count;
        bool valid = IsValidEntry(entry, options.ByteOrder, options.Mode == KeyBlobMode.Strict, out keySize, out descriptionLength);
        if (!valid)
        {
            ValidateEntry(entry, 0, 0, options, ref problems, out keySize, out descriptionLength);
            valid = problems.Count == reported;
        }

        if (options.RequireExactLength && source.Length > KeyBlobLayout.EntrySize)
        {
            problems.Add(KeyBlobError.TrailingBytes, -1, KeyBlobLayout.EntrySize);
            valid = false;
        }

        return valid;
    }

    /// <summary>Reads <c>total_keys</c> without validating anything else.</summary>
    /// <returns><see langword="false"/> when fewer than 4 bytes are given.</returns>
    public static bool TryReadCount(ReadOnlySpan<byte> source, KeyBlobByteOrder byteOrder, out uint count)
    {
        if (source.Length < KeyBlobLayout.HeaderSize)
        {
            count = 0;
            return false;
        }

        count = ReadUInt32(source[KeyBlobLayout.CountOffset..], byteOrder);
        return true;
    }

    internal static uint ReadUInt32(ReadOnlySpan<byte> source, KeyBlobByteOrder byteOrder) =>
        byteOrder == KeyBlobByteOrder.BigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(source)
            : BinaryPrimitives.ReadUInt32LittleEndian(source);

    // Where the description's NUL may lie: inside the 128-byte field (strict), or anywhere before the
    // entry ends (kernel mode: the kernel treats key_desc as a C string and would read on into data).
    internal static ReadOnlySpan<byte> DescriptionSearchRange(ReadOnlySpan<byte> entry, KeyBlobMode mode) =>
        mode == KeyBlobMode.Strict
            ? entry.Slice(KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength)
            : entry[KeyBlobLayout.DescriptionOffset..];

    internal static void CheckOptions(KeyBlobReadOptions options)
    {
        if ((uint)options.ByteOrder > (uint)KeyBlobByteOrder.BigEndian)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ByteOrder, "Undefined byte order.");
        }

        if ((uint)options.Mode > (uint)KeyBlobMode.Kernel)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Mode, "Undefined mode.");
        }
    }

    // Returns the entry count when the header is valid (problems may still follow), else 0.
    // Each valid entry's key size and description length go into `lengths`, measured once, for the view.
    private static int Validate(ReadOnlySpan<byte> source, KeyBlobReadOptions options, ref ProblemCollector problems, ref EntryLengths lengths)
    {
        bool strict = options.Mode == KeyBlobMode.Strict;

        if (source.Length < KeyBlobLayout.HeaderSize)
        {
            problems.Add(KeyBlobError.TruncatedHeader, -1, source.Length);
            return 0;
        }

        // restore_dm_crypt_keys_to_thread_keyring refuses key_count > KEY_NUM_MAX; build_keys_header never writes 0.
        uint rawCount = ReadUInt32(source[KeyBlobLayout.CountOffset..], options.ByteOrder);
        if (rawCount == 0 && strict)
        {
            problems.Add(KeyBlobError.CountZero, -1, KeyBlobLayout.CountOffset);
            return 0;
        }

        if (!KeyBlobLayout.TryGetBlobSize(rawCount, out int size))
        {
            problems.Add(KeyBlobError.CountTooLarge, -1, KeyBlobLayout.CountOffset);
            return 0;
        }

        if (source.Length < size)
        {
            problems.Add(KeyBlobError.TruncatedEntries, -1, source.Length);
            return 0;
        }

        int count = (int)rawCount;
        ReadOnlySpan<byte> blob = source[..size];

        // Each description's NUL, found once here and reused by the duplicate check (strict only).
        Span<byte> terminators = stackalloc byte[KeyBlobLayout.MaxKeys];
        for (int i = 0; i < count; i++)
        {
            // Fast path for the common case, a valid entry: one pass over the description field (strict: and one
            // over the data padding; kernel mode: a NUL inside the field). Anything else goes to the rule-by-rule
            // checks, which alone decide what is reported, so the fast path cannot change a result.
            if (IsValidEntry(blob, i, options.ByteOrder, strict, out int keySize, out int descriptionLength))
            {
                lengths[i] = EntryLengths.Pack(keySize, descriptionLength);
                terminators[i] = (byte)descriptionLength;
            }
            else
            {
                CheckEntry(blob, i, options, ref problems, ref lengths, terminators);
            }
        }

        if (strict && count >= 2)
        {
            FindDuplicates(new BlobDescriptions(blob, count, terminators), ref problems);
        }

        if (options.RequireExactLength && source.Length > size)
        {
            problems.Add(KeyBlobError.TrailingBytes, -1, size);
        }

        return count;
    }

    // The rule-by-rule checks of an entry the fast path did not accept; they alone decide what is reported. Records
    // the entry's NUL (strict) and, when it has no problem, its lengths.
    private static void CheckEntry(ReadOnlySpan<byte> blob, int index, KeyBlobReadOptions options, ref ProblemCollector problems, ref EntryLengths lengths, scoped Span<byte> terminators)
    {
        int reported = problems.Count;
        ValidateEntry(blob, index, options, ref problems, out int keySize, out int descriptionLength);

        if (options.Mode == KeyBlobMode.Strict)
        {
            // No NUL (-1) wraps to BlobDescriptions.NoTerminator (255).
            terminators[index] = unchecked((byte)descriptionLength);
        }

        if (problems.Count == reported)
        {
            lengths[index] = EntryLengths.Pack(keySize, descriptionLength);
        }
    }

    // On return with no new problem, keySize and descriptionLength are the entry's (key_size <= 256, a NUL found);
    // otherwise descriptionLength is -1 when no NUL was found.
    private static void ValidateEntry(ReadOnlySpan<byte> blob, int index, KeyBlobReadOptions options, ref ProblemCollector problems, out int keySize, out int descriptionLength) =>
        ValidateEntry(blob.Slice(KeyBlobLayout.GetEntryOffset(index), KeyBlobLayout.EntrySize), index, KeyBlobLayout.GetEntryOffset(index), options, ref problems, out keySize, out descriptionLength);

    // The rules of one entry: `entry` is its 388 bytes, `offset` where they start in the input (problems are reported from there).
    private static void ValidateEntry(ReadOnlySpan<byte> entry, int index, int offset, KeyBlobReadOptions options, ref ProblemCollector problems, out int keySize, out int descriptionLength)
    {
        bool strict = options.Mode == KeyBlobMode.Strict;

        // The kdump kernel passes key_size straight to key_create_or_update and reads that many bytes of data.
        uint rawKeySize = ReadUInt32(entry[KeyBlobLayout.KeySizeOffset..], options.ByteOrder);
        keySize = (int)Math.Min(rawKeySize, KeyBlobLayout.MaxKeySize);
        descriptionLength = 0;
        if (rawKeySize > KeyBlobLayout.MaxKeySize)
        {
            problems.Add(KeyBlobError.KeySizeTooLarge, index, KeyBlobLayout.KeySizeFieldOffset(offset));
        }
        else if (rawKeySize == 0 && strict)
        {
            problems.Add(KeyBlobError.KeySizeZero, index, KeyBlobLayout.KeySizeFieldOffset(offset));
        }

        ReadOnlySpan<byte> text = DescriptionSearchRange(entry, options.Mode);

        // The 128-byte field first, in one vector pass; kernel mode goes on into data only when it has no NUL.
        int nul = DescriptionField.IndexOfTerminator(text);
        if (nul < 0 && !strict)
        {
            nul = text[KeyBlobLayout.DescriptionFieldLength..].IndexOf((byte)0);
            nul = nul < 0 ? -1 : KeyBlobLayout.DescriptionFieldLength + nul;
        }

        descriptionLength = nul;
        if (nul < 0)
        {
            problems.Add(KeyBlobError.DescriptionNotTerminated, index, offset + KeyBlobLayout.DescriptionOffset);
        }
        else if (strict)
        {
            ValidateStrictDescription(text, nul, index, offset + KeyBlobLayout.DescriptionOffset, ref problems);
        }

        // build_keys_header zero-allocates the blob, so data after key_size bytes is zero. (A key_size above 256 was
        // reported above; keySize is then 256 and the range empty.)
        if (strict)
        {
            int dataOffset = offset + KeyBlobLayout.DataOffset;
            int stray = entry.Slice(KeyBlobLayout.DataOffset + keySize, KeyBlobLayout.DataLength - keySize).IndexOfAnyExcept((byte)0);
            if (stray >= 0)
            {
                problems.Add(KeyBlobError.KeyDataPaddingNotZero, index, dataOffset + keySize + stray);
            }
        }
    }

    private static bool IsValidEntry(ReadOnlySpan<byte> blob, int index, KeyBlobByteOrder byteOrder, bool strict, out int keySize, out int descriptionLength) =>
        IsValidEntry(blob.Slice(KeyBlobLayout.GetEntryOffset(index), KeyBlobLayout.EntrySize), byteOrder, strict, out keySize, out descriptionLength);

    private static bool IsValidEntry(ReadOnlySpan<byte> entry, KeyBlobByteOrder byteOrder, bool strict, out int keySize, out int descriptionLength)
    {
        uint rawKeySize = ReadUInt32(entry[KeyBlobLayout.KeySizeOffset..], byteOrder);
        keySize = (int)rawKeySize;
        if (!strict)
        {
            // Kernel mode: key_size at most 256 and a NUL in the field (a NUL further on, in data, takes the slow path).
            descriptionLength = DescriptionField.IndexOfTerminator(entry.Slice(KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength));
            return rawKeySize <= KeyBlobLayout.MaxKeySize && descriptionLength >= 0;
        }

        descriptionLength = 0;
        return EntryLengths.IsStrictKeySize(rawKeySize)
            && DescriptionField.IsValidStrict(entry.Slice(KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength), out descriptionLength)
            && DescriptionField.IsPaddingZero(entry.Slice(KeyBlobLayout.DataOffset, KeyBlobLayout.DataLength), keySize);
    }

    private static void ValidateStrictDescription(ReadOnlySpan<byte> field, int nul, int index, int fieldOffset, ref ProblemCollector problems)
    {
        ReadOnlySpan<byte> description = field[..nul];
        if (description.IsEmpty)
        {
            problems.Add(KeyBlobError.DescriptionEmpty, index, fieldOffset);
        }
        else
        {
            // configfs stores the value only up to the first newline (config_key_description_store).
            int newline = description.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                problems.Add(KeyBlobError.DescriptionContainsNewline, index, fieldOffset + newline);
            }

            // logon_vet_description: a ':' that is not the first character.
            if (description.IndexOf((byte)':') <= 0)
            {
                problems.Add(KeyBlobError.DescriptionNotLogonForm, index, fieldOffset);
            }
        }

        int stray = field[(nul + 1)..].IndexOfAnyExcept((byte)0);
        if (stray >= 0)
        {
            problems.Add(KeyBlobError.DescriptionPaddingNotZero, index, fieldOffset + nul + 1 + stray);
        }
    }

    // Strict only: key_create_or_update would replace an earlier key with the same description.
    internal static void FindDuplicates<TSource>(scoped TSource source, ref ProblemCollector problems)
        where TSource : IDescriptionSource, allows ref struct
    {
        int count = source.Count;
        Span<bool> duplicate = stackalloc bool[KeyBlobLayout.MaxKeys];
        if (!DuplicateFinder.Mark(source, duplicate[..count]))
        // Stryker disable once Statement,Block : with no duplicate every mark is false, so the loop below adds nothing; the return only skips it
        {
            return;
        }

        for (int i = 0; i < count; i++)
        {
            if (duplicate[i])
            {
                problems.Add(KeyBlobError.DuplicateDescription, i, KeyBlobLayout.GetEntryOffset(i) + KeyBlobLayout.DescriptionOffset);
            }
        }
    }

    private readonly ref struct BlobDescriptions : IDescriptionSource
    {
        /// <summary>In <c>terminators</c>: the field holds no NUL.</summary>
        public const byte NoTerminator = byte.MaxValue;

        private readonly ReadOnlySpan<byte> _blob;
        private readonly ReadOnlySpan<byte> _terminators;

        public BlobDescriptions(ReadOnlySpan<byte> blob, int count, ReadOnlySpan<byte> terminators)
        {
            _blob = blob;
            _terminators = terminators;
            Count = count;
        }

        public int Count { get; }

        // Entries without a NUL in the field already failed; they take no part in the duplicate check.
        public bool TryGetDescription(int index, out ReadOnlySpan<byte> description)
        {
            int nul = _terminators[index];
            if (nul == NoTerminator)
            {
                description = default;
                return false;
            }

            description = _blob.Slice(KeyBlobLayout.GetEntryOffset(index) + KeyBlobLayout.DescriptionOffset, nul);
            return true;
        }
    }
}
