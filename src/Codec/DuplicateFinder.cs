using System.IO.Hashing;

namespace CrashDmCrypt.Codec;

/// <summary>A set of descriptions indexed 0..Count-1, from a blob or from the writer's keys.</summary>
internal interface IDescriptionSource
{
    int Count { get; }

    int GetDescriptionOffset(int index);

    bool TryGetDescription(int index, out ReadOnlySpan<byte> description);
}

/// <summary>
/// Finds repeated descriptions without allocating and without the 8,128 comparisons a pairwise
/// scan of 128 entries costs: hash each description, sort the hashes, compare bytes only on a hash match.
/// </summary>
internal static class DuplicateFinder
{
    // The low 7 bits of each sort key carry the entry index (KEY_NUM_MAX = 128 = 2^7).
    private const int IndexBits = 7;
    private const ulong IndexMask = (1UL << IndexBits) - 1;

    /// <summary>Sets <c>duplicate[i]</c> for every entry whose description equals an earlier entry's.</summary>
    /// <returns>Whether any duplicate was found.</returns>
    public static bool Mark<TSource>(TSource source, Span<bool> duplicate)
        where TSource : IDescriptionSource, allows ref struct
    {
        int count = source.Count;
        Span<ulong> keys = stackalloc ulong[KeyBlobLayout.MaxKeys];
        int n = 0;
        for (int i = 0; i < count; i++)
        {
            if (source.TryGetDescription(i, out ReadOnlySpan<byte> description))
            {
                keys[n++] = (XxHash3.HashToUInt64(description) & ~IndexMask) | (uint)i;
            }
        }

        Span<ulong> sorted = keys[..n];
        sorted.Sort();
        bool found = false;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && (sorted[end] & ~IndexMask) == (sorted[start] & ~IndexMask))
            {
                end++;
            }

            // Within a run of equal hashes (almost always of length 1) compare the bytes;
            // sorted order puts lower indices first, so each later equal entry is the duplicate.
            for (int a = start + 1; a < end; a++)
            {
                int later = (int)(sorted[a] & IndexMask);
                source.TryGetDescription(later, out ReadOnlySpan<byte> laterText);
                for (int b = start; b < a; b++)
                {
                    int earlier = (int)(sorted[b] & IndexMask);
                    source.TryGetDescription(earlier, out ReadOnlySpan<byte> earlierText);
                    if (laterText.SequenceEqual(earlierText))
                    {
                        duplicate[later] = true;
                        found = true;
                        break;
                    }
                }
            }

            start = end;
        }

        return found;
    }
}
