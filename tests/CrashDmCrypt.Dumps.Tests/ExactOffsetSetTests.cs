using CrashDmCrypt.Dumps.Formats;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The set that keeps every page data offset agrees with a hash set on every sequence, rising or not.</summary>
public class ExactOffsetSetTests
{
    [Fact]
    public void Agrees_with_a_hash_set_on_rising_repeated_and_falling_offsets() =>
        DataOffsetSetTests.Sequences().Sample(met =>
        {
            var set = new ExactOffsetSet(met.Count % 2 == 0 ? met.Count : 0);
            return met.Select(o => !set.Add(o)).SequenceEqual(DataOffsetSetTests.Reference(met));
        }, iter: 2000);

    [Fact]
    public void The_zero_page_is_new_once_and_rising_pages_each_time()
    {
        var set = new ExactOffsetSet();
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
