using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The configfs group's rules, as <c>config_key_description_store</c> and friends apply them.</summary>
public sealed class FirstKernelConfigfsTests
{
    public static TheoryData<string, string, LinuxErrno, string?> Descriptions => new()
    {
        { "plain, with the newline echo adds", "cryptsetup:u\n", LinuxErrno.None, "cryptsetup:u" },
        { "no newline", "cryptsetup:u", LinuxErrno.None, "cryptsetup:u" },
        { "cut at the first newline", "a:b\nc:d\n", LinuxErrno.None, "a:b" },
        { "cut at a NUL, where the C string ends", "a:b\0c", LinuxErrno.None, "a:b" },
        { "128 bytes accepted", new string('x', 128) + "\n", LinuxErrno.None, new string('x', 128) },
        { "129 bytes refused", new string('x', 129) + "\n", LinuxErrno.EINVAL, null },
        { "empty refused", "", LinuxErrno.EINVAL, null },
        { "only a newline refused", "\n", LinuxErrno.EINVAL, null },
        { "not logon form: configfs does not care", "nocolon", LinuxErrno.None, "nocolon" },
    };

    [Theory]
    [MemberData(nameof(Descriptions))]
    public void Description_store_keeps_the_text_up_to_the_first_newline_and_refuses_empty_or_over_128(
        string because, string page, LinuxErrno expected, string? stored)
    {
        using var s = new ModelScenario();
        Assert.Equal(LinuxErrno.None, s.First.Configfs.MakeItem("k"));

        Assert.True(expected == s.First.Configfs.StoreDescription("k", Encoding.UTF8.GetBytes(page)), because);

        Assert.Equal(stored, s.First.Configfs.Items[0].Description);
        s.First.Configfs.ShowDescription("k", out string shown);
        Assert.Equal((stored ?? "(null)") + "\n", shown);
    }

    [Fact]
    public void Mkdir_rmdir_and_count_follow_the_kernel()
    {
        using var s = new ModelScenario();
        var configfs = s.First.Configfs;
        Assert.Equal("0\n", configfs.ShowCount());
        Assert.Equal(LinuxErrno.None, configfs.MakeItem("a"));
        Assert.Equal(LinuxErrno.None, configfs.MakeItem("b"));
        Assert.Equal(LinuxErrno.EEXIST, configfs.MakeItem("a"));
        Assert.Equal(LinuxErrno.EEXIST, configfs.MakeItem("count"));
        Assert.Equal(LinuxErrno.ENAMETOOLONG, configfs.MakeItem(new string('n', 256)));
        Assert.Equal("2\n", configfs.ShowCount());
        Assert.Equal(["a", "b"], configfs.Items.Select(i => i.Name));

        Assert.Equal(LinuxErrno.None, configfs.RemoveItem("a"));
        Assert.Equal(LinuxErrno.ENOENT, configfs.RemoveItem("a"));
        Assert.Equal(LinuxErrno.ENOENT, configfs.StoreDescription("a", "x:y"u8));
        Assert.Equal("1\n", configfs.ShowCount());
    }

    [Theory]
    [InlineData(128, LinuxErrno.None)]
    [InlineData(129, LinuxErrno.EINVAL)]
    public void Mkdir_is_refused_only_once_count_is_above_128(int existing, LinuxErrno expected)
    {
        using var s = new ModelScenario();
        for (int i = 0; i < existing; i++)
        {
            Assert.Equal(LinuxErrno.None, s.First.Configfs.MakeItem($"k{i}"));
        }

        Assert.Equal(expected, s.First.Configfs.MakeItem("next"));
    }
}
