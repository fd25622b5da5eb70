namespace CrashDmCrypt.Codec;

/// <summary>
/// Sizes and offsets of the dm-crypt keys blob (<c>struct keys_header</c> and
/// <c>struct dm_crypt_key</c> in <c>kernel/crash_dump_dm_crypt.c</c>).
/// Every offset is derived from the length of the field before it, never typed twice.
/// </summary>
public static class KeyBlobLayout
{
    /// <summary>Most keys one blob holds (<c>KEY_NUM_MAX</c>).</summary>
    public const int MaxKeys = 128;

    /// <summary>Most bytes of one key (<c>KEY_SIZE_MAX</c>).</summary>
    public const int MaxKeySize = 256;

    /// <summary>Size of the description field, NUL included (<c>KEY_DESC_MAX_LEN</c>).</summary>
    public const int DescriptionFieldLength = 128;

    /// <summary>Longest description the kernel keeps whole: <c>strscpy</c> leaves room for the NUL.</summary>
    public const int MaxDescriptionLength = DescriptionFieldLength - 1;

    /// <summary>Length of the <c>total_keys</c> field.</summary>
    public const int CountLength = sizeof(uint);

    /// <summary>Offset of <c>total_keys</c> in the blob.</summary>
    public const int CountOffset = 0;

    /// <summary>Offset of <c>keys[0]</c> in the blob.</summary>
    public const int EntriesOffset = CountOffset + CountLength;

    /// <summary>Size of the header that precedes the entries.</summary>
    public const int HeaderSize = EntriesOffset;

    /// <summary>Length of an entry's <c>key_size</c> field.</summary>
    public const int KeySizeLength = sizeof(uint);

    /// <summary>Offset of <c>key_size</c> inside an entry.</summary>
    public const int KeySizeOffset = 0;

    /// <summary>Offset in the blob of the <c>key_size</c> field of the entry at <paramref name="entryOffset"/>.</summary>
    internal static int KeySizeFieldOffset(int entryOffset) =>
        // Stryker disable once Arithmetic : KeySizeOffset is 0, so entryOffset - 0 equals entryOffset + 0
        entryOffset + KeySizeOffset;

    /// <summary>Offset of <c>key_desc</c> inside an entry.</summary>
    public const int DescriptionOffset = KeySizeOffset + KeySizeLength;

    /// <summary>Length of an entry's <c>data</c> field.</summary>
    public const int DataLength = MaxKeySize;

    /// <summary>Offset of <c>data</c> inside an entry.</summary>
    public const int DataOffset = DescriptionOffset + DescriptionFieldLength;

    /// <summary><c>sizeof(struct dm_crypt_key)</c>: 388, a multiple of 4 so no padding follows.</summary>
    public const int EntrySize = DataOffset + DataLength;

    /// <summary>Size of a blob with <see cref="MaxKeys"/> entries (49,668 bytes).</summary>
    public const int MaxBlobSize = HeaderSize + (EntrySize * MaxKeys);

    /// <summary>
    /// Blob size for <paramref name="count"/> entries (<c>get_keys_header_size</c>).
    /// The multiplication is widened so a hostile count cannot wrap.
    /// </summary>
    /// <returns><see langword="false"/> when <paramref name="count"/> exceeds <see cref="MaxKeys"/>.</returns>
    public static bool TryGetBlobSize(uint count, out int size)
    {
        if (count > MaxKeys)
        {
            size = 0;
            return false;
        }

        // Stryker disable once Checked : count is at most 128 here, so the sum cannot overflow
        size = checked((int)(HeaderSize + ((ulong)EntrySize * count)));
        return true;
    }

    /// <summary>Blob size for <paramref name="count"/> entries, 0 through <see cref="MaxKeys"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above <see cref="MaxKeys"/>.</exception>
    public static int GetBlobSize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxKeys);
        return HeaderSize + (EntrySize * count);
    }

    /// <summary>Offset of entry <paramref name="index"/> from the start of the blob.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or not below <see cref="MaxKeys"/>.</exception>
    public static int GetEntryOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxKeys);
        return EntriesOffset + (EntrySize * index);
    }
}
