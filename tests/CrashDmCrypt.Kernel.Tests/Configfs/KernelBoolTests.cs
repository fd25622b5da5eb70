using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Kernel.Tests.Configfs;

public sealed class KernelBoolTests
{
    [Theory]
    [InlineData("yes", true, true)]
    [InlineData("Y", true, true)]
    [InlineData("1\n", true, true)]
    [InlineData("true", true, true)]
    [InlineData("yellow", true, true)]
    [InlineData("on", true, true)]
    [InlineData("ON", true, true)]
    [InlineData("no", true, false)]
    [InlineData("0", true, false)]
    [InlineData("false", true, false)]
    [InlineData("off", true, false)]
    [InlineData("enable", true, true)]     // lib/kstrtox.c:361-362
    [InlineData("E", true, true)]
    [InlineData("disable", true, false)]   // lib/kstrtox.c:370-371
    [InlineData("D\n", true, false)]
    [InlineData("x", false, false)]
    [InlineData("o", false, false)]
    [InlineData("ox", false, false)]
    [InlineData("2", false, false)]
    [InlineData(" yes", false, false)]
    [InlineData("", false, false)]
    public void Only_the_first_one_or_two_characters_count(string text, bool parses, bool value)
    {
        Assert.Equal(parses, KernelBool.TryParse(Encoding.ASCII.GetBytes(text), out bool parsed));
        Assert.Equal(value, parsed);
    }
}
