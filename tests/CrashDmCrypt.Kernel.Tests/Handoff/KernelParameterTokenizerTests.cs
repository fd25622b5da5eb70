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
        var tokenizer = new KernelParameterTokenizer(System.Text.Encoding.Latin1.GetBytes(commandLine));
        while (tokenizer.MoveNext(out KernelParameter parameter))
        {
            parts.Add(parameter.HasValue ? $"{Text(parameter.Name)}={Text(parameter.Value)}" : Text(parameter.Name));
        }

        Assert.Equal(expected, string.Join('|', parts));
        Assert.Equal(stoppedAtDoubleDash, tokenizer.StoppedAtDoubleDash);
    }

    [Fact]
    public void Parameters_are_slices_of_the_input_not_copies()
    {
        ReadOnlySpan<byte> line = "ro dmcryptkeys=0x1000"u8;
        var tokenizer = new KernelParameterTokenizer(line);
        Assert.True(tokenizer.MoveNext(out _));
        Assert.True(tokenizer.MoveNext(out KernelParameter parameter));
        Assert.True(line.Overlaps(parameter.Value, out int offset));
        Assert.Equal(line.IndexOf("0x1000"u8), offset);
        Assert.Equal(offset, parameter.ValueOffset);
        Assert.Equal(3, parameter.NameOffset);
    }

    private static string Text(ReadOnlySpan<byte> bytes) => System.Text.Encoding.Latin1.GetString(bytes);
}
