using CrashDmCrypt.Dumps.Formats;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The set of page data offsets met agrees with a hash set on every sequence, rising or not.</summary>
public class DataOffsetSetTests
{
    [Fact]
    public void Agrees_with_a_hash_set_on_rising_repeated_and_falling_offsets()
    {
        // Offsets as makedumpfile writes them (rising, with the shared zero page's offset again and again), with some
        // that fall back or repeat at random, as a hostile file may.
        Gen.Select(Gen.Int[1, 400], Gen.Int[0, 100], Gen.Int[0, 100]).Sample((count, repeatPercent, fallPercent) =>
        {
            var random = new Random(count * 10_007 + repeatPercent * 101 + fallPercent);
            var set = new DataOffsetSet(count % 2 == 0 ? count : 0);
            var reference = new HashSet<ulong>();
            var met = new List<ulong>();
            ulong next = 4096;
            for (int i = 0; i < count; i++)
            {
                ulong offset = met.Count > 0 && random.Next(100) < repeatPercent ? met[random.Next(met.Count)]
                    : random.Next(100) < fallPercent ? (ulong)random.Next(0, (int)next)
                    : next += (ulong)random.Next(1, 4097);
                met.Add(offset);
                if (set.Add(offset) != reference.Add(offset))
                {
                    return false;
                }
            }

            return true;
        }, iter: 2000);
    }

    [Fact]
    public void The_zero_page_is_new_once_and_rising_pages_each_time()
    {
        var set = new DataOffsetSet();
        Assert.True(set.Add(8192));       // the zero page, written first
        Assert.True(set.Add(12288));
        Assert.False(set.Add(8192));
        Assert.True(set.Add(13000));
        Assert.False(set.Add(8192));
        Assert.False(set.Add(12288));
        Assert.True(set.Add(100));        // falls below every offset met
        Assert.False(set.Add(100));
        Assert.False(set.Add(8192));      // the zero page again after another offset that did not rise
        Assert.True(set.Add(ulong.MaxValue));
        Assert.False(set.Add(ulong.MaxValue));
        Assert.False(set.Add(100));
    }
}
