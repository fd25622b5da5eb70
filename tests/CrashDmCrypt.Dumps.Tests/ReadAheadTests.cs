using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The read-ahead under kdump pages: the bytes it gives are the file's, it reads the file in stretches, and it refuses what the file does not hold.</summary>
public class ReadAheadTests
{
    private const int Capacity = 4096;

    [Fact]
    public void Small_reads_moving_forward_cost_one_read_of_the_file_a_stretch()
    {
        byte[] file = TestData.Pattern(64 * 1024, 3);
        var source = new TestSource(file);
        var ahead = new ReadAhead(Capacity);
        for (int offset = 0; offset + 100 <= file.Length; offset += 150)
        {
            Assert.True(ahead.TryRead(source, offset, 100, out ReadOnlySpan<byte> bytes));
            Assert.True(bytes.SequenceEqual(file.AsSpan(offset, 100)));
        }

        // 64 KiB in 4 KiB stretches, each refilled from the read that missed it: about one read per 4,000 bytes.
        Assert.InRange(source.Reads, 16, 18);
    }

    [Fact]
    public void A_far_read_keeps_the_stretch_and_a_repeated_far_read_is_served_again()
    {
        // Pages that all name the one zero page at the start of the data, between pages that follow each other.
        byte[] file = TestData.Pattern(256 * 1024, 5);
        var source = new TestSource(file);
        var ahead = new ReadAhead(Capacity);
        Assert.True(ahead.TryRead(source, 100_000, 500, out _));
        int reads = source.Reads;
        for (int i = 1; i <= 5; i++)
        {
            Assert.True(ahead.TryRead(source, 0, 4096, out ReadOnlySpan<byte> zero));
            Assert.True(zero.SequenceEqual(file.AsSpan(0, 4096)));
            Assert.True(ahead.TryRead(source, 100_000 + (i * 500), 500, out ReadOnlySpan<byte> next));
            Assert.True(next.SequenceEqual(file.AsSpan(100_000 + (i * 500), 500)));
        }

        Assert.Equal(reads + 1, source.Reads);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(65_530, 10)]        // runs past the end
    [InlineData(0, Capacity + 1)]   // longer than the stretch: the caller reads it
    public void What_the_file_does_not_hold_or_the_stretch_cannot_is_left_to_the_caller(long offset, int length)
    {
        var ahead = new ReadAhead(Capacity);
        Assert.False(ahead.TryRead(new TestSource(new byte[65_536]), offset, length, out ReadOnlySpan<byte> bytes));
        Assert.True(bytes.IsEmpty);
    }

    [Fact]
    public void A_read_that_fails_is_refused_and_the_next_one_reads_again()
    {
        byte[] file = TestData.Pattern(16 * 1024, 7);
        var source = new TestSource(file) { Fail = true };
        var ahead = new ReadAhead(Capacity);
        Assert.False(ahead.TryRead(source, 0, 100, out _));
        source.Fail = false;
        Assert.True(ahead.TryRead(source, 0, 100, out ReadOnlySpan<byte> bytes));
        Assert.True(bytes.SequenceEqual(file.AsSpan(0, 100)));
    }

    [Fact]
    public void Clear_forgets_what_was_read()
    {
        byte[] file = TestData.Pattern(16 * 1024, 9);
        var source = new TestSource(file);
        var ahead = new ReadAhead(Capacity);
        Assert.True(ahead.TryRead(source, 0, 100, out _));
        ahead.Clear();
        int reads = source.Reads;
        Assert.True(ahead.TryRead(source, 0, 100, out ReadOnlySpan<byte> bytes));
        Assert.True(bytes.SequenceEqual(file.AsSpan(0, 100)));
        Assert.Equal(reads + 1, source.Reads);
    }
}
