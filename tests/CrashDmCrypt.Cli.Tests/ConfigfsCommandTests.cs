using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary><c>configfs</c> on a temporary directory that imitates /sys/kernel/config/crash_dm_crypt_keys.</summary>
public sealed class ConfigfsCommandTests : IDisposable
{
    private const string Uuid = "7d26b7b4-e342-4d2d-b660-7426b0996720";
    private const string Description = "cryptsetup:" + Uuid;
    private readonly TempDirectory _dir = new();

    public ConfigfsCommandTests()
    {
        File.WriteAllText(_dir["count"], "0\n");
        File.WriteAllText(_dir["reuse"], "0\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Add_list_and_remove_a_key_item()
    {
        CliResult added = Run("add", Uuid, Description);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Empty(added.Error);
        Assert.Equal(Description + "\n", File.ReadAllText(Path.Combine(_dir.Path, Uuid, "description")));

        Assert.Equal([$"{Uuid}\t{Description}"], Run("list").OutputLines);

        Assert.Equal(0, Run("remove", Uuid).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, Uuid)));
        Assert.Empty(Run("list").OutputLines);
    }

    [Theory]
    [InlineData("", 2, "the description is empty")]
    [InlineData("a:b\nc", 2, "DESCRIPTION holds a control character (U+000A); refused before writing")]
    [InlineData("nocolon", 0, "warning: the description is not 'prefix:rest'")]
    public void Add_refuses_or_warns_before_writing(string description, int exitCode, string message)
    {
        CliResult result = Run("add", "k", description);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(exitCode == 0, Directory.Exists(_dir["k"]));
    }

    [Fact]
    public void A_128_byte_description_is_added_with_the_truncation_warning()
    {
        CliResult result = Run("add", "k", "cryptsetup:" + new string('u', 117));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "configfs add: warning: " + KeyBlobErrors.GetMessage(KeyBlobError.DescriptionTruncatedByKernel) + " [CDC021]",
            Assert.Single(result.ErrorLines));
    }

    [Theory]
    [InlineData("128\n", 0, "warning: this is the 129th item")]
    [InlineData("129\n", 2, "129 items exist; the kernel refuses another")]
    public void The_129th_item_warns_and_the_130th_is_refused(string count, int exitCode, string message)
    {
        File.WriteAllText(_dir["count"], count);

        CliResult result = Run("add", Uuid, Description);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_name_the_key_and_exit_1_when_the_kernel_side_refuses()
    {
        Assert.Equal(0, Run("add", Uuid, Description).ExitCode);

        CliResult again = Run("add", Uuid, Description);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"configfs add: key '{Uuid}': an item of that name already exists [CDC304]", Assert.Single(again.ErrorLines));

        CliResult missing = Run("remove", "nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("configfs remove: key 'nope': cannot remove the item: ENOENT (no such file or directory) [CDC305]", Assert.Single(missing.ErrorLines));
    }

    [Fact]
    public void Count_reuse_and_restore_read_and_write_their_attributes()
    {
        File.WriteAllText(_dir["count"], "3\n");
        Assert.Equal(["3"], Run("count").OutputLines);
        Assert.Equal(["false"], Run("reuse").OutputLines);
        Assert.Equal(0, Run("reuse", "true").ExitCode);
        Assert.Equal("1\n", File.ReadAllText(_dir["reuse"]));
        Assert.Equal(["true"], Run("reuse").OutputLines);

        Assert.Equal(1, Run("restore").ExitCode);
        File.WriteAllText(_dir["restore"], "0\n");
        Assert.Equal(["false"], Run("restore").OutputLines);
        Assert.Equal(0, Run("restore", "yes").ExitCode);
        Assert.Equal("yes\n", File.ReadAllText(_dir["restore"]));
    }

    [Theory]
    [InlineData("reuse", "maybe")]
    [InlineData("restore", "no")]
    public void Values_other_than_the_documented_ones_are_usage_errors(string verb, string value) =>
        Assert.Equal(2, Run(verb, value).ExitCode);

    [Fact]
    public void A_missing_root_exits_2_and_is_not_created()
    {
        string missing = _dir["not-mounted"];

        CliResult result = CliRunner.Run("configfs", "--root", missing, "add", Uuid, Description);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ENOENT", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    private CliResult Run(params string[] args) => CliRunner.Run(["configfs", .. args, "--root", _dir.Path]);
}
