using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace CrashDmCrypt.Codec;

/// <summary>A set of descriptions indexed 0..Count-1, from a blob or from the writer's keys.</summary>
internal interface IDescriptionSource
{
    int Count { get; }

    bool TryGetDescription(int index, out ReadOnlySpan<byte> description);
}

/// <summary>
/// Finds repeated descriptions without allocating and without the 8,128 comparisons a pairwise scan
/// of 128 entries costs: a stack-allocated open-addressing table keyed by a cheap hash, with a byte
/// comparison only when two hashes are equal. Expected cost is linear; the worst case (every hash
/// equal, which hostile bytes can arrange) is the pairwise scan, bounded by 128 entries of 127 bytes.
/// </summary>
internal static class DuplicateFinder
{
    /// <summary>Slots of the table: a power of two at least twice KEY_NUM_MAX keeps it at most half full.</summary>
    public const int TableSize = 256;

    private const int TableMask = TableSize - 1;

    /// <summary>Sets <c>duplicate[i]</c> for every entry whose description equals an earlier entry's.</summary>
    /// <returns>Whether any duplicate was found.</returns>
    public static bool Mark<TSource>(scoped TSource source, Span<bool> duplicate)
        where TSource : IDescriptionSource, allows ref struct
    {
        int count = source.Count;
        Span<byte> slots = stackalloc byte[TableSize];
        Span<uint> hashes = stackalloc uint[KeyBlobLayout.MaxKeys];

        // Stryker disable once Statement : stackalloc memory is already zeroed (no SkipLocalsInit); the Clear keeps the table right if that changes
        slots.Clear();

        // Stryker disable once Boolean : a true without a duplicate only makes the caller scan marks that are all false
        bool found = false;
        for (int i = 0; i < count; i++)
        {
            if (source.TryGetDescription(i, out ReadOnlySpan<byte> description) && Add(source, slots, hashes, i, description))
            {
                duplicate[i] = true;
                found = true;
            }
        }

        return found;
    }

    /// <summary>
    /// Enters entry <paramref name="index"/> into the table, one entry at a time in index order, so a caller can
    /// check duplicates in the same pass that measures each description.
    /// </summary>
    /// <param name="source">Gives an earlier entry's description back when two hashes are equal.</param>
    /// <param name="slots"><see cref="TableSize"/> bytes, zero before the first entry: entry index + 1, 0 = empty.</param>
    /// <param name="hashes">At least <paramref name="index"/> + 1 words.</param>
    /// <param name="index">The entry, after every earlier one.</param>
    /// <param name="description">The entry's description.</param>
    /// <returns>Whether the description equals an earlier entry's (it then stays out of the table; the earlier copy stays in, so a third copy finds it too).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Add<TSource>(scoped TSource source, Span<byte> slots, Span<uint> hashes, int index, ReadOnlySpan<byte> description)
        where TSource : IDescriptionSource, allows ref struct
    {
        uint hash = Hash(description);
        hashes[index] = hash;
        int slot = (int)(hash & TableMask);
        while (true)
        {
            int occupant = slots[slot] - 1;
            if (occupant < 0)
            {
                slots[slot] = (byte)(index + 1);
                return false;
            }

            if (hashes[occupant] == hash
                && source.TryGetDescription(occupant, out ReadOnlySpan<byte> earlier)
                && description.SequenceEqual(earlier))
            {
                return true;
            }

            slot = (slot + 1) & TableMask;
        }
    }

    // Length, the first and the last 8 bytes: descriptions such as cryptsetup:<UUID> or volume-1, volume-2 differ at
    // the end, names such as 1:data, 2:data at the start. Not a format field, so the byte order only has to be fixed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> description)
    {
        ulong head;
        ulong tail;

        // ReadUInt64 needs 8 bytes; a shorter description is packed byte by byte.
        if (description.Length > 7)
        {
            // The first byte and the last byte in the lowest bits: a product's bits depend only on the factor's bits
            // at and below them, so the bytes that tell such descriptions apart reach the most bits.
            head = BinaryPrimitives.ReadUInt64LittleEndian(description);
            tail = BinaryPrimitives.ReadUInt64BigEndian(description[^sizeof(ulong)..]);
        }
        else
        {
            head = 0;
            foreach (byte b in description)
            {
                head = (head << 8) | b;
            }

            tail = 0;
        }

        // Head and tail through different odd multipliers, so that neither cancels the other; then the high half of a
        // 128-bit product, which depends on every bit of its factors, so a difference in any of those bytes reaches the slot.
        // Stryker disable once Bitwise : hash quality only; ~ is a bijection, so the slots spread as well and lookups compare the bytes
        ulong tailAndLength = tail ^ (ulong)description.Length;

        // Stryker disable once Bitwise : hash quality only; ~ is a bijection, so the slots spread as well and lookups compare the bytes
        ulong h = (head * 0x9E37_79B9_7F4A_7C15UL) ^ (tailAndLength * 0xC2B2_AE3D_27D4_EB4FUL);
        return (uint)Math.BigMul(h, 0xFF51_AFD7_ED55_8CCDUL, out _);
    }
}
