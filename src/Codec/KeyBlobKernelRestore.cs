namespace CrashDmCrypt.Codec;

/// <summary>
/// What the kdump kernel's <c>restore_dm_crypt_keys_to_thread_keyring</c> (kernel/crash_dump_dm_crypt.c:101-146) does
/// with a blob, entry by entry, into an empty user keyring: which entries become <c>user</c> keys, with which
/// description and how many bytes (over-reads included), which it refuses, and whether it gives up on the blob.
/// Unlike <see cref="KeyBlobReader"/> in <see cref="KeyBlobMode.Kernel"/> mode, nothing is refused as a whole for an
/// over-read: bytes the kernel would read past the input or past the blob are counted, never read.
/// </summary>
public static class KeyBlobKernelRestore
{
    /// <summary>The payload limit of the <c>user</c> key type (security/keys/user_defined.c:64).</summary>
    public const int MaxUserKeySize = 32767;

    /// <summary>EINVAL, the errno of every refusal.</summary>
    public const int EinvalErrno = 22;

    /// <summary>
    /// Evaluates the restore of the blob at the start of <paramref name="oldMemory"/>. Never throws for hostile bytes.
    /// </summary>
    /// <param name="oldMemory">Old memory from the blob's address on; it may be shorter than the blob (the rest is then unknown) or longer.</param>
    /// <param name="byteOrder">The first kernel's byte order.</param>
    /// <param name="entries">Receives one outcome per entry; at least as long as the count (<see cref="KeyBlobLayout.MaxKeys"/> always suffices).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="byteOrder"/> is undefined.</exception>
    /// <exception cref="ArgumentException"><paramref name="entries"/> is shorter than a count of at most 128.</exception>
    public static KernelRestoreSummary Evaluate(ReadOnlySpan<byte> oldMemory, KeyBlobByteOrder byteOrder, Span<KernelRestoreEntry> entries)
    {
        KeyBlobReader.CheckOptions(new KeyBlobReadOptions { ByteOrder = byteOrder });
        if (!KeyBlobReader.TryReadCount(oldMemory, byteOrder, out uint count))
        {
            return new KernelRestoreSummary { Status = KernelRestoreStatus.CountNotInInput };
        }

        // key_count > KEY_NUM_MAX: return -1 before kzalloc (kernel/crash_dump_dm_crypt.c:119-123).
        if (!KeyBlobLayout.TryGetBlobSize(count, out int size))
        {
            return new KernelRestoreSummary { Status = KernelRestoreStatus.CountTooLarge, Count = count };
        }

        int n = (int)count;
        if (entries.Length < n)
        {
            throw new ArgumentException($"Room for {entries.Length} entries; the blob has {n}.", nameof(entries));
        }

        // keys_header = kzalloc(size); dm_crypt_keys_read(keys_header, size) (kernel/crash_dump_dm_crypt.c:128-135).
        ReadOnlySpan<byte> known = oldMemory[..Math.Min(oldMemory.Length, size)];
        Span<int> latest = stackalloc int[KeyBlobLayout.MaxKeys];
        for (int i = 0; i < n; i++)
        {
            KernelRestoreEntry entry = EvaluateEntry(known, size, i, byteOrder);
            if (entry.Action == KernelKeyAction.Created)
            {
                entry = Identify(known, entry, entries[..i]);
            }

            if (entry.Action == KernelKeyAction.Created)
            {
                latest[i] = i;
            }
            else if (entry.Action == KernelKeyAction.Updated)
            {
                // user_update replaces the payload of the key the previous holder made (security/keys/user_defined.c:101-121).
                int previous = latest[entry.UpdatesEntry];
                entries[previous] = entries[previous] with { SupersededBy = i };
                latest[entry.UpdatesEntry] = i;
            }

            entries[i] = entry;
            if (entry.Action == KernelKeyAction.KernelBug)
            {
                return new KernelRestoreSummary
                {
                    Status = KernelRestoreStatus.KernelBug,
                    Count = count,
                    BlobSize = size,
                    BytesPastInput = size - known.Length,
                    EntryCount = i + 1,
                };
            }
        }

        return new KernelRestoreSummary
        {
            Status = KernelRestoreStatus.EntriesHandled,
            Count = count,
            BlobSize = size,
            BytesPastInput = size - known.Length,
            EntryCount = n,
        };
    }

    // One entry against an empty keyring: Created, Refused or Undetermined (Identify decides Created vs Updated).
    private static KernelRestoreEntry EvaluateEntry(ReadOnlySpan<byte> known, int size, int index, KeyBlobByteOrder byteOrder)
    {
        int offset = KeyBlobLayout.GetEntryOffset(index);
        int descriptionOffset = offset + KeyBlobLayout.DescriptionOffset;
        int keyOffset = offset + KeyBlobLayout.DataOffset;
        var entry = new KernelRestoreEntry
        {
            Index = index,
            DescriptionOffset = Math.Min(descriptionOffset, known.Length),
            KeyOffset = Math.Min(keyOffset, known.Length),
            UpdatesEntry = -1,
            SupersededBy = -1,
        };

        if (known.Length < offset + KeyBlobLayout.KeySizeLength)
        {
            return entry with { Action = KernelKeyAction.Undetermined };
        }

        uint keySize = KeyBlobReader.ReadUInt32(known[KeyBlobLayout.KeySizeFieldOffset(offset)..], byteOrder);
        entry = entry with { KeySize = keySize };

        // user_preparse runs before the description is looked at (security/keys/key.c:853-858, user_defined.c:64).
        if (keySize == 0 || keySize > MaxUserKeySize)
        {
            return entry with
            {
                Action = KernelKeyAction.Refused,
                Refusal = keySize == 0 ? KernelKeyRefusal.KeySizeZero : KernelKeyRefusal.KeySizeTooLarge,
                Errno = EinvalErrno,
            };
        }

        // index_key.desc_len = strlen(description) (security/keys/key.c:865): a C string from key_desc on.
        ReadOnlySpan<byte> text = known[entry.DescriptionOffset..];
        int nul = text.IndexOf((byte)0);
        int descriptionLength = nul >= 0 ? nul : text.Length;
        long keyEnd = (long)keyOffset + keySize;
        int pastBlob = (int)Math.Max(0, keyEnd - size);
        int pastInput = (int)Math.Max(0, Math.Min(keyEnd, size) - Math.Max(keyOffset, known.Length));
        entry = entry with
        {
            DescriptionLength = descriptionLength,
            DescriptionComplete = nul >= 0,
            DescriptionRunsPastBlob = nul < 0 && known.Length == size,
            KeyBytesPastEntry = (int)Math.Max(0L, (long)keySize - KeyBlobLayout.DataLength),
            KeyBytesPastBlob = pastBlob,
            KeyBytesPastInput = pastInput,
        };

        if (nul == 0)
        {
            // key_alloc would refuse "" with EINVAL (security/keys/key.c:235-237), but __key_link_begin runs first and
            // hits BUG_ON(index_key->desc_len == 0) (security/keys/keyring.c:1308): an oops on Linux 7.2.13 in the lab.
            return entry with { Action = KernelKeyAction.KernelBug };
        }

        // No byte of the description known: it may be empty.
        return entry with { Action = descriptionLength == 0 ? KernelKeyAction.Undetermined : KernelKeyAction.Created };
    }

    // find_key_to_update (security/keys/key.c:904-908): an earlier key of type user with the same description.
    // Only an added key can be found. An undetermined entry is never followed by one that comes here: it ends the
    // input (its key_size or description not given), or its description runs to the end of the input or past the blob,
    // so every later entry is past the input or has a key_size of four non-zero bytes (over 32767: refused). So every
    // earlier entry compared here is Created or Updated, with a complete description.
    private static KernelRestoreEntry Identify(ReadOnlySpan<byte> known, KernelRestoreEntry entry, ReadOnlySpan<KernelRestoreEntry> earlier)
    {
        bool undetermined = false;
        foreach (KernelRestoreEntry other in earlier)
        {
            if (!other.Added)
            {
                continue;
            }

            switch (Compare(known, other, entry))
            {
                case Sameness.Same:
                    // The first added entry with this description is the one that created the key.
                    return entry with { Action = KernelKeyAction.Updated, UpdatesEntry = other.Index };
                case Sameness.Unknown:
                    undetermined = true;
                    break;
            }
        }

        return undetermined ? entry with { Action = KernelKeyAction.Undetermined } : entry;
    }

    // The earlier description (a) is complete (see Identify). One whose tail is unknown (b, running to the end of the
    // input or past the blob) is the same only if a starts with b's known bytes, and then it depends on the tail.
    private static Sameness Compare(ReadOnlySpan<byte> known, KernelRestoreEntry a, KernelRestoreEntry b)
    {
        ReadOnlySpan<byte> x = a.GetDescription(known);
        ReadOnlySpan<byte> y = b.GetDescription(known);
        if (b.DescriptionComplete)
        {
            return x.SequenceEqual(y) ? Sameness.Same : Sameness.Different;
        }

        return x.StartsWith(y) ? Sameness.Unknown : Sameness.Different;
    }

    private enum Sameness
    {
        Different,
        Same,
        Unknown,
    }
}
