using System.Numerics;
using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>The bitmaps: bit counts, the next set or clear bit, and the ranges of set bits.</summary>
internal sealed partial class KdumpMemory
{
    // Clears every bit below start and from end on: whole bytes at once, the edge bytes by mask.
    private static void ClearBitsOutside(byte[] bitmap, ulong start, ulong end)
    {
        ulong bits = (ulong)bitmap.Length * 8;
        start = Math.Min(start, bits);
        end = Math.Clamp(end, start, bits);
        bitmap.AsSpan(0, (int)(start / 8)).Clear();
        if (start % 8 != 0)
        {
            bitmap[start / 8] &= (byte)(0xFF << (int)(start % 8));
        }

        int tail = (int)((end + 7) / 8);
        if (end % 8 != 0)
        {
            bitmap[end / 8] &= (byte)((1 << (int)(end % 8)) - 1);
        }

        bitmap.AsSpan(tail).Clear();
    }

    private static void ClearBitsFrom(byte[] bitmap, ulong bit)
    {
        if (bit % 8 != 0)
        {
            bitmap[^1] &= (byte)((1 << (int)(bit % 8)) - 1);
        }
    }

    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        ReadOnlySpan<ulong> words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words)
        {
            count += BitOperations.PopCount(w);
        }

        foreach (byte b in bytes[(words.Length * sizeof(ulong))..])
        {
            count += BitOperations.PopCount(b);
        }

        return count;
    }

    private static bool TryBuildRanges(byte[] ram, int pageSize, int limit, out PhysicalRange[] ranges)
    {
        var list = new List<PhysicalRange>();
        long count = (long)ram.Length * 8;
        long pfn = NextBit(ram, 0, true);
        while (pfn >= 0)
        {
            long end = NextBit(ram, pfn, false);
            if (end < 0)
            {
                end = count;
            }

            if (list.Count >= limit)
            {
                ranges = [];
                return false;
            }

            list.Add(new PhysicalRange((ulong)pfn * (uint)pageSize, (ulong)(end - pfn) * (uint)pageSize));
            pfn = end < count ? NextBit(ram, end, true) : -1;
        }

        ranges = [.. list];
        return true;
    }

    // The first bit at or after from that is set (or clear), or -1; whole bytes are skipped with a vectorised search.
    private static long NextBit(ReadOnlySpan<byte> bits, long from, bool set)
    {
        long count = (long)bits.Length * 8;
        for (; from < count && (from & 7) != 0; from++)
        {
            if (IsSet(bits, from) == set)
            {
                return from;
            }
        }

        if (from >= count)
        {
            return -1;
        }

        int skip = bits[(int)(from >> 3)..].IndexOfAnyExcept(set ? (byte)0 : (byte)0xFF);
        if (skip < 0)
        {
            return -1;
        }

        for (from += (long)skip * 8; IsSet(bits, from) != set; from++)
        {
        }

        return from;
    }

    private static bool IsSet(ReadOnlySpan<byte> bits, long pfn) => (bits[(int)(pfn >> 3)] & (1 << (int)(pfn & 7))) != 0;
}
