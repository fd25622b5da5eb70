using System.Buffers;
using System.Buffers.Binary;

namespace CrashDmCrypt.Codec;

/// <summary>
/// Writes a blob byte for byte as <c>build_keys_header</c> does: <c>total_keys</c>, then the entries in
/// order, every byte not written zero. Every input is checked before anything is written.
/// </summary>
public static class KeyBlobWriter
{
    /// <summary>Bytes needed for <paramref name="keyCount"/> keys: 4 + 388 * <paramref name="keyCount"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keyCount"/> is negative or above 128.</exception>
    public static int GetRequiredSize(int keyCount) => KeyBlobLayout.GetBlobSize(keyCount);

    /// <summary>Checks a key set against every rule the writer enforces, without writing.</summary>
    /// <returns><see langword="false"/> with the first failed rule in <paramref name="problem"/>.</returns>
    public static bool TryValidate(ReadOnlySpan<KeyBlobKey> keys, out KeyBlobProblem problem)
    {
        if (IsValid(keys))
        {
            problem = default;
            return true;
        }

        var collector = new ProblemCollector(default);
        Validate(keys, ref collector);
        problem = collector.First;
        return collector.Count == 0;
    }

    /// <summary>Checks a key set and records every failed rule, in order.</summary>
    /// <returns>The number of failures, which may exceed <c>problems.Length</c>.</returns>
    public static int CollectProblems(ReadOnlySpan<KeyBlobKey> keys, Span<KeyBlobProblem> problems)
    {
        var collector = new ProblemCollector(problems);
        Validate(keys, ref collector);
        return collector.Count;
    }

    /// <summary>
    /// Checks one description against the writer's description rules (what <c>config_key_description_store</c>
    /// refuses and what <c>build_keys_header</c> would get wrong), as if it were key 0's, and records every failure.
    /// The configfs client asks this; the rules live only here.
    /// </summary>
    /// <param name="description">The description bytes, without a NUL.</param>
    /// <param name="problems">Receives the first <c>problems.Length</c> failures; offsets are those of entry 0's fields.</param>
    /// <returns>The number of failures, which may exceed <c>problems.Length</c>; 0 when the description is valid.</returns>
    public static int CollectDescriptionProblems(ReadOnlySpan<byte> description, Span<KeyBlobProblem> problems)
    {
        var collector = new ProblemCollector(problems);
        ValidateDescription(description, 0, KeyBlobLayout.GetEntryOffset(0) + KeyBlobLayout.DescriptionOffset, ref collector);
        return collector.Count;
    }

    /// <summary>Serialises <paramref name="keys"/> little-endian into the start of <paramref name="destination"/>.</summary>
    /// <inheritdoc cref="Write(ReadOnlySpan{KeyBlobKey}, Span{byte}, KeyBlobWriteOptions, out int, out KeyBlobProblem)"/>
    public static OperationStatus Write(ReadOnlySpan<KeyBlobKey> keys, Span<byte> destination, out int bytesWritten, out KeyBlobProblem problem) =>
        Write(keys, destination, default, out bytesWritten, out problem);

    /// <summary>
    /// Serialises <paramref name="keys"/> into the start of <paramref name="destination"/>. Every rule is checked
    /// before anything is written: invalid keys and a short destination are reported, not thrown, and leave
    /// <paramref name="destination"/> untouched.
    /// </summary>
    /// <param name="keys">1..128 keys, in the order of the configfs items.</param>
    /// <param name="destination">Receives 4 + 388 * <c>keys.Length</c> bytes; bytes after them are left alone.</param>
    /// <param name="options">Byte order.</param>
    /// <param name="bytesWritten">The blob size when done, else 0.</param>
    /// <param name="problem">The first failed rule when the status is <see cref="OperationStatus.InvalidData"/>, else <c>default</c>.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.InvalidData"/> when a key breaks a rule;
    /// <see cref="OperationStatus.DestinationTooSmall"/> when the keys are valid but <paramref name="destination"/> is
    /// shorter than <see cref="GetRequiredSize"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order.</exception>
    public static OperationStatus Write(
        ReadOnlySpan<KeyBlobKey> keys,
        Span<byte> destination,
        KeyBlobWriteOptions options,
        out int bytesWritten,
        out KeyBlobProblem problem)
    {
        CheckOptions(options);
        KeyBlobByteOrder byteOrder = options.ByteOrder;
        bytesWritten = 0;

        // TryValidate runs one measuring pass that only ever says "valid"; anything else goes to the rule-by-rule
        // checks, which alone decide what is reported. Nothing is written before the whole set has passed.
        if (!TryValidate(keys, out problem))
        {
            return OperationStatus.InvalidData;
        }

        int size = KeyBlobLayout.GetBlobSize(keys.Length);
        if (destination.Length < size)
        {
            return OperationStatus.DestinationTooSmall;
        }

        WriteEntries(keys, destination[..size], byteOrder);
        bytesWritten = size;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Writes <c>total_keys</c> as given into the first four bytes of <paramref name="destination"/>, any value: the
    /// kernel's <c>build_keys_header</c> writes <c>key_count</c> unchecked, 129 included (kernel/crash_dump_dm_crypt.c:379).
    /// With <see cref="WriteEntry(in KeyBlobKey, Span{byte}, KeyBlobWriteOptions, out KeyBlobProblem)"/> it builds a
    /// blob entry by entry, as the kernel does, where <see cref="Write(ReadOnlySpan{KeyBlobKey}, Span{byte}, KeyBlobWriteOptions, out int, out KeyBlobProblem)"/>
    /// refuses the key set as a whole.
    /// </summary>
    /// <param name="totalKeys">The count to write.</param>
    /// <param name="destination">Receives <see cref="KeyBlobLayout.CountLength"/> bytes; bytes after them are left alone.</param>
    /// <param name="options">Byte order.</param>
    /// <returns><see cref="OperationStatus.Done"/>, or <see cref="OperationStatus.DestinationTooSmall"/> with nothing written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order.</exception>
    public static OperationStatus WriteCount(uint totalKeys, Span<byte> destination, KeyBlobWriteOptions options)
    {
        CheckOptions(options);
        if (destination.Length < KeyBlobLayout.CountLength)
        {
            return OperationStatus.DestinationTooSmall;
        }

        WriteUInt32(destination[KeyBlobLayout.CountOffset..], totalKeys, options.ByteOrder);
        return OperationStatus.Done;
    }

    /// <summary>
    /// Writes one entry (<c>key_size</c>, the description and its NUL, the key, every other byte zero) into the start of
    /// <paramref name="destination"/>, as <c>build_keys_header</c> writes each one. The key is checked against every
    /// rule that concerns one key; the count and duplicate descriptions are rules of the whole set, which the caller owns.
    /// A refused key and a short destination are reported, not thrown, and leave <paramref name="destination"/> untouched.
    /// </summary>
    /// <param name="key">The key and its description.</param>
    /// <param name="destination">Receives <see cref="KeyBlobLayout.EntrySize"/> bytes; bytes after them are left alone.</param>
    /// <param name="options">Byte order of <c>key_size</c>.</param>
    /// <param name="problem">
    /// The first failed rule when the status is <see cref="OperationStatus.InvalidData"/>, else <c>default</c>; its
    /// entry index is 0 and its offset counts from the start of the entry.
    /// </param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.InvalidData"/> when the key breaks a rule;
    /// <see cref="OperationStatus.DestinationTooSmall"/> when it is valid but <paramref name="destination"/> is shorter than an entry.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order.</exception>
    public static OperationStatus WriteEntry(in KeyBlobKey key, Span<byte> destination, KeyBlobWriteOptions options, out KeyBlobProblem problem)
    {
        CheckOptions(options);
        var collector = new ProblemCollector(default);
        ValidateKey(key, 0, entryOffset: 0, ref collector);
        problem = collector.First;
        if (collector.Count != 0)
        {
            return OperationStatus.InvalidData;
        }

        if (destination.Length < KeyBlobLayout.EntrySize)
        {
            return OperationStatus.DestinationTooSmall;
        }

        Span<byte> entry = destination[..KeyBlobLayout.EntrySize];
        entry.Clear();
        WriteClearedEntry(key, entry, options.ByteOrder);
        return OperationStatus.Done;
    }

    /// <summary>
    /// Writes an already validated key set: the whole blob cleared in one call (as <c>build_keys_header</c>'s
    /// <c>kzalloc</c>), then <c>total_keys</c> and each entry's <c>key_size</c>, description and key copied in; no
    /// check runs again. Measured against writing each field with its padding by vector stores, one clear of the
    /// blob and two copies per entry is the faster of the two.
    /// </summary>
    /// <param name="keys">A key set that passed every rule.</param>
    /// <param name="blob">Exactly 4 + 388 * <c>keys.Length</c> bytes.</param>
    /// <param name="byteOrder">Byte order of the counts.</param>
    internal static void WriteEntries(ReadOnlySpan<KeyBlobKey> keys, Span<byte> blob, KeyBlobByteOrder byteOrder)
    {
        blob.Clear();
        WriteUInt32(blob, (uint)keys.Length, byteOrder);
        Span<byte> entries = blob[KeyBlobLayout.EntriesOffset..];
        for (int i = 0; i < keys.Length; i++)
        {
            WriteClearedEntry(keys[i], entries.Slice(KeyBlobLayout.EntrySize * i, KeyBlobLayout.EntrySize), byteOrder);
        }
    }

    /// <summary>The one writer of a <c>total_keys</c> or <c>key_size</c> word in either byte order.</summary>
    internal static void WriteUInt32(Span<byte> destination, uint value, KeyBlobByteOrder byteOrder)
    {
        if (byteOrder == KeyBlobByteOrder.BigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        }
    }

    // One validated key into an entry that is already all zero.
    private static void WriteClearedEntry(in KeyBlobKey key, Span<byte> entry, KeyBlobByteOrder byteOrder)
    {
        ReadOnlySpan<byte> data = key.Key.Span;
        WriteUInt32(entry[KeyBlobLayout.KeySizeOffset..], (uint)data.Length, byteOrder);

        // strscpy(key_desc, description, KEY_DESC_MAX_LEN): validation keeps it under 128 bytes, so the NUL stays.
        key.Description.Span.CopyTo(entry.Slice(KeyBlobLayout.DescriptionOffset, KeyBlobLayout.MaxDescriptionLength));

        // memcpy(data, payload, key_size); the rest of data stays zero.
        data.CopyTo(entry.Slice(KeyBlobLayout.DataOffset, KeyBlobLayout.DataLength));
    }

    // Every rule at once, each description read once (no NUL, no newline, its ':' and its duplicate hash in the same
    // pass). True only when the set is valid; false leaves naming the failure to Validate.
    internal static bool IsValid(ReadOnlySpan<KeyBlobKey> keys)
    {
        if ((uint)(keys.Length - 1) >= KeyBlobLayout.MaxKeys)
        {
            return false;
        }

        Span<byte> slots = stackalloc byte[DuplicateFinder.TableSize];
        Span<uint> hashes = stackalloc uint[KeyBlobLayout.MaxKeys];

        // Stryker disable once Statement : stackalloc memory is already zeroed (no SkipLocalsInit); the Clear keeps the table right if that changes
        slots.Clear();
        var source = new KeyDescriptions(keys);
        for (int i = 0; i < keys.Length; i++)
        {
            ref readonly KeyBlobKey key = ref keys[i];
            ReadOnlySpan<byte> description = key.Description.Span;
            if ((uint)(key.Key.Length - 1) >= KeyBlobLayout.MaxKeySize
                || !DescriptionField.IsValidWriterDescription(description)
                || DuplicateFinder.Add(source, slots, hashes, i, description))
            {
                return false;
            }
        }

        return true;
    }

    private static void Validate(ReadOnlySpan<KeyBlobKey> keys, ref ProblemCollector problems)
    {
        // No entry can be checked without a valid count.
        if (keys.IsEmpty)
        {
            problems.Add(KeyBlobError.CountZero, -1, KeyBlobLayout.CountOffset);
        }
        else if (keys.Length > KeyBlobLayout.MaxKeys)
        {
            problems.Add(KeyBlobError.CountTooLarge, -1, KeyBlobLayout.CountOffset);
        }
        else
        {
            ValidateKeys(keys, ref problems);
        }
    }

    private static void ValidateKeys(ReadOnlySpan<KeyBlobKey> keys, ref ProblemCollector problems)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            ValidateKey(keys[i], i, KeyBlobLayout.GetEntryOffset(i), ref problems);
        }

        if (keys.Length >= 2)
        {
            KeyBlobReader.FindDuplicates(new KeyDescriptions(keys), ref problems);
        }
    }

    // A description that is empty or does not fit is not looked into further.
    private static void ValidateDescription(ReadOnlySpan<byte> description, int index, int descriptionOffset, ref ProblemCollector problems)
    {
        if (description.IsEmpty)
        {
            problems.Add(KeyBlobError.DescriptionEmpty, index, descriptionOffset);
            return;
        }

        if (description.Length > KeyBlobLayout.DescriptionFieldLength)
        {
            // config_key_description_store refuses more than KEY_DESC_MAX_LEN characters.
            problems.Add(KeyBlobError.DescriptionTooLong, index, descriptionOffset);
            return;
        }

        if (description.Length == KeyBlobLayout.DescriptionFieldLength)
        {
            // Accepted by configfs, then cut to 127 by strscpy in build_keys_header: the lookup misses.
            problems.Add(KeyBlobError.DescriptionTruncatedByKernel, index, descriptionOffset + KeyBlobLayout.MaxDescriptionLength);
            return;
        }

        // One search on the common path; only a description that holds either byte is searched again.
        if (description.IndexOfAny((byte)0, (byte)'\n') >= 0)
        {
            int nul = description.IndexOf((byte)0);
            if (nul >= 0)
            {
                problems.Add(KeyBlobError.DescriptionContainsNul, index, descriptionOffset + nul);
            }

            int newline = description.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                problems.Add(KeyBlobError.DescriptionContainsNewline, index, descriptionOffset + newline);
            }
        }

        // logon_vet_description: a ':' that is not the first character.
        if (description.IndexOf((byte)':') <= 0)
        {
            problems.Add(KeyBlobError.DescriptionNotLogonForm, index, descriptionOffset);
        }
    }

    // entryOffset: where the entry starts in the blob (or 0 for an entry written alone), the base of every offset reported.
    private static void ValidateKey(in KeyBlobKey key, int index, int entryOffset, ref ProblemCollector problems)
    {
        ValidateDescription(key.Description.Span, index, entryOffset + KeyBlobLayout.DescriptionOffset, ref problems);

        int keyLength = key.Key.Length;
        if (keyLength == 0)
        {
            problems.Add(KeyBlobError.KeySizeZero, index, KeyBlobLayout.KeySizeFieldOffset(entryOffset));
        }
        else if (keyLength > KeyBlobLayout.MaxKeySize)
        {
            problems.Add(KeyBlobError.KeySizeTooLarge, index, KeyBlobLayout.KeySizeFieldOffset(entryOffset));
        }
    }

    private readonly ref struct KeyDescriptions : IDescriptionSource
    {
        private readonly ReadOnlySpan<KeyBlobKey> _keys;

        public KeyDescriptions(ReadOnlySpan<KeyBlobKey> keys) => _keys = keys;

        public int Count => _keys.Length;

        public bool TryGetDescription(int index, out ReadOnlySpan<byte> description)
        {
            description = _keys[index].Description.Span;
            return true;
        }
    }

    // The reader's check of the byte order, the one option a writer has; shared with KeyBlobKeySet.Write.
    internal static void CheckOptions(KeyBlobWriteOptions options) =>
        KeyBlobReader.CheckOptions(new KeyBlobReadOptions { ByteOrder = options.ByteOrder });
}
