using CrashDmCrypt.Dumps.Formats;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// The set of page data offsets met agrees with a hash set on every sequence, rising or not, after its second pass where it
/// asks for one, and keeps only the offsets out of order, within its limit.
/// </summary>
public class DataOffsetSetTests
{
    [Fact]
    public void Agrees_with_a_hash_set_on_rising_repeated_and_falling_offsets() =>
        Sequences().Sample(met => Repeats(met, int.MaxValue).SequenceEqual(Reference(met)), iter: 2000);

    /// <summary>
    /// Offsets as makedumpfile writes them (rising, with the shared zero page's offset again and again), with some that
    /// fall back or repeat at random, as a hostile file's or a scrubbed copy's may.
    /// </summary>
    internal static Gen<List<ulong>> Sequences() =>
        Gen.Select(Gen.Int[1, 400], Gen.Int[0, 100], Gen.Int[0, 100]).Select((count, repeatPercent, fallPercent) =>
        {
            var random = new Random(count * 10_007 + repeatPercent * 101 + fallPercent);
            var met = new List<ulong>();
            ulong next = 4096;
            for (int i = 0; i < count; i++)
            {
                met.Add(met.Count > 0 && random.Next(100) < repeatPercent ? met[random.Next(met.Count)]
                    : random.Next(100) < fallPercent ? (ulong)random.Next(0, (int)next)
                    : next += (ulong)random.Next(1, 4097));
            }

            return met;
        });

    /// <summary>Whether each offset was met before.</summary>
    internal static List<bool> Reference(IEnumerable<ulong> offsets)
    {
        var seen = new HashSet<ulong>();
        return [.. offsets.Select(o => !seen.Add(o))];
    }

    [Fact]
    public void Makedumpfile_and_qemu_order_needs_no_second_pass_and_keeps_one_offset()
    {
        // The zero page's data first, then every other page's in page-frame order; zero pages before and after others.
        foreach (bool zeroFirst in new[] { true, false })
        {
            var set = new DataOffsetSet(1);
            ulong zero = 8192;
            ulong next = zero + 4096;
            var met = new List<ulong>();
            for (int pfn = 0; pfn < 1000; pfn++)
            {
                met.Add(pfn % 3 == (zeroFirst ? 0 : 1) ? zero : next += 100);
            }

            Assert.Equal(Reference(met), met.Select(o => set.Add(o) == DataOffsetVerdict.Repeated));
            Assert.False(set.NeedsReplay);
        }
    }

    [Fact]
    public void One_offset_out_of_order_more_than_the_limit_is_refused_and_repeats_of_those_kept_are_not()
    {
        var set = new DataOffsetSet(2);
        Assert.Equal(DataOffsetVerdict.New, set.Add(1000));
        Assert.Equal(DataOffsetVerdict.New, set.Add(5000));
        Assert.Equal(DataOffsetVerdict.New, set.Add(10));          // below the first: kept
        Assert.Equal(DataOffsetVerdict.Undecided, set.Add(3000));  // between: kept, decided on the second pass
        Assert.Equal(DataOffsetVerdict.Repeated, set.Add(10));
        Assert.Equal(DataOffsetVerdict.Repeated, set.Add(3000));
        Assert.Equal(DataOffsetVerdict.Repeated, set.Add(5000));
        Assert.Equal(DataOffsetVerdict.Repeated, set.Add(1000));
        Assert.Equal(DataOffsetVerdict.OverLimit, set.Add(20));
        Assert.Equal(DataOffsetVerdict.OverLimit, set.Add(4000));
        Assert.Equal(DataOffsetVerdict.New, set.Add(6000));        // rising offsets take no room
    }

    [Fact]
    public void The_second_pass_tells_a_rising_offset_named_again_out_of_order()
    {
        ulong[] met = [100, 300, 500, 300, 200, 300, 200, 600, 500];
        Assert.Equal(Reference(met), Repeats(met, 10));
    }

    // What a survey does: the first pass, then the second where asked, each page's verdict the pass that decided it.
    private static List<bool> Repeats(IReadOnlyList<ulong> offsets, int limit)
    {
        var set = new DataOffsetSet(limit);
        var repeated = new List<bool>();
        foreach (ulong offset in offsets)
        {
            DataOffsetVerdict verdict = set.Add(offset);
            Assert.NotEqual(DataOffsetVerdict.OverLimit, verdict);
            repeated.Add(verdict == DataOffsetVerdict.Repeated);
        }

        if (set.NeedsReplay)
        {
            for (int i = 0; i < offsets.Count; i++)
            {
                if (set.Replay(offsets[i]))
                {
                    Assert.False(repeated[i], $"occurrence {i} decided twice");
                    repeated[i] = true;
                }
            }
        }

        return repeated;
    }
}
