namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>The assertions the targets are built from throw <see cref="InvariantViolationException"/>, never pass silently.</summary>
public sealed class CheckTests
{
    [Fact]
    public void Inside_accepts_slices_and_refuses_copies()
    {
        byte[] input = new byte[16];
        Assert.Equal(4, Check.Inside(input, input.AsSpan(4, 12), "slice"));
        Assert.Equal(16, Check.Inside(input, input.AsSpan(16, 0), "empty slice at the end"));
        Assert.Throws<InvariantViolationException>(() => Check.Inside(input, input.AsSpan(4, 12).ToArray(), "copy"));
        Assert.Throws<InvariantViolationException>(() => Check.Inside(input.AsSpan(0, 8), input.AsSpan(4, 5), "runs past the end"));
    }

    [Fact]
    public void Equal_and_AllEqual_name_the_rule_without_input_bytes()
    {
        Check.Equal(3, 3, "same");
        var e = Assert.Throws<InvariantViolationException>(() => Check.Equal(3, 4, "count"));
        Assert.Equal("count: expected 3, got 4", e.Message);

        Check.AllEqual([0, 0, 0], 0, "zero");
        e = Assert.Throws<InvariantViolationException>(() => Check.AllEqual([0, 0x5c, 0], 0, "region"));
        Assert.Equal("region: byte 1 of 3 is not 0x00", e.Message);
        Assert.DoesNotContain("5c", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
