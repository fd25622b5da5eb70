using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class KernelParameterTokenizerTests
{
    // Each parameter is shown as name=value, or name alone when it has no '='; '|' separates parameters.
    [Theory]
    [InlineData("a b=c", "a|b=c", false)]
    [InlineData("  a   b=c  ", "a|b=c", false)]
    [InlineData("a=\"b c\" d", "a=b c|d", false)]
    [InlineData("\"a=b c\" d", "a=b c|d", false)]
    [InlineData("\"a b\" c", "a b|c", false)]
    [InlineData("a=b=c", "a=b=c", false)]
    [InlineData("a=", "a=", false)]
    [InlineData("=a", "=a", false)]
    [InlineData("=a=b", "=a=b", false)]
    [InlineData("a=\"b", "a=b", false)]
    [InlineData("a=\"", "a=", false)]
    [InlineData("a=b\"c d\"", "a=b\"c d\"", false)]
    [InlineData("a -- b", "a", true)]
    [InlineData("-- a", "", true)]
    [InlineData("a --x b", "a|--x|b", false)]
    [InlineData("a\0b", "a", false)]
    [InlineData("", "", false)]
    public void Splits_like_next_arg(string commandLine, string expected, bool stoppedAtDoubleDash)
    {
        var parts = new List<string>();
        var tokenizer = new KernelParameterTokenizer(commandLine);
        while (tokenizer.MoveNext(out KernelParameter parameter))
        {
            parts.Add(parameter.HasValue ? $"{parameter.Name}={parameter.Value}" : parameter.Name.ToString());
        }

        Assert.Equal(expected, string.Join('|', parts));
        Assert.Equal(stoppedAtDoubleDash, tokenizer.StoppedAtDoubleDash);
    }

    [Fact]
    public void Parameters_are_slices_of_the_input_not_copies()
    {
        string line = "ro dmcryptkeys=0x1000";
        var tokenizer = new KernelParameterTokenizer(line);
        Assert.True(tokenizer.MoveNext(out _));
        Assert.True(tokenizer.MoveNext(out KernelParameter parameter));
        Assert.True(line.AsSpan().Overlaps(parameter.Value, out int offset));
        Assert.Equal(line.IndexOf("0x1000", StringComparison.Ordinal), offset);
    }
}
