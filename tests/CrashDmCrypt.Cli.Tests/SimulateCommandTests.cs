using System.Text.Json;

namespace CrashDmCrypt.Cli.Tests;

public sealed class SimulateCommandTests
{
    [Fact]
    public void The_default_run_prints_five_steps_and_a_pass_verdict_and_exits_0()
    {
        CliResult result = CliRunner.Run("simulate");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        string[] lines = result.OutputLines;
        Assert.StartsWith("kdump dm-crypt key life cycle on the kernel model: 2 volume(s), seed 1", lines[0], StringComparison.Ordinal);
        Assert.Equal(
            ["1. Boot and unlock the encrypted volumes", "2. Create the configfs key items", "3. Load the kdump kernel (kexec_file_load)", "4. Crash, boot the kdump kernel and restore the keys", "5. Write the dump and reboot"],
            lines.Where(l => l.Length > 2 && char.IsAsciiDigit(l[0]) && l[1] == '.'));
        Assert.Contains(lines, l => l.StartsWith("blob: 780 bytes (4 + 388 x 2) at 0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("kdump kernel command line: elfcorehdr=0x", StringComparison.Ordinal) && l.Contains(" dmcryptkeys=0x", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("blob in reserved memory after the restore: all zero", StringComparison.Ordinal));
        Assert.StartsWith("PASS: 2 of 2 volume(s) unlocked", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_output_is_the_same_for_a_seed_and_never_shows_key_bytes()
    {
        CliResult a = CliRunner.Run("simulate", "--keys", "3", "--seed", "9");
        CliResult b = CliRunner.Run("simulate", "--keys", "3", "--seed", "9");

        Assert.Equal(a.Output, b.Output);

        // The model derives keys from the seed: rebuild them and look for any 8-byte window in hex.
        var random = new Random(9);
        byte[] uuid = new byte[16];
        byte[] key = new byte[64];
        for (int i = 0; i < 3; i++)
        {
            random.NextBytes(uuid);
            random.NextBytes(key);

            // The rebuild matches the run (its volume UUIDs are printed), so the search below is meaningful.
            Assert.Contains(CrashDmCrypt.Simulation.LuksVolume.FormatUuid(uuid), a.Output, StringComparison.Ordinal);
            for (int at = 0; at + 8 <= key.Length; at += 8)
            {
                Assert.DoesNotContain(Convert.ToHexStringLower(key, at, 8), a.Output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Json_gives_the_counts_and_the_verdict()
    {
        CliResult result = CliRunner.Run("simulate", "--keys", "4", "--seed", "5", "--handoff", "dtb", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(4, root.GetProperty("keys").GetInt32());
        Assert.Equal("dtb", root.GetProperty("handoff").GetString());
        Assert.Equal("strict", root.GetProperty("mode").GetString());
        Assert.Equal(5, root.GetProperty("steps").GetArrayLength());
        Assert.Equal(4 + (388 * 4), root.GetProperty("blobSize").GetInt32());
        Assert.Equal(0UL, root.GetProperty("blobAddress").GetUInt64() % 4096);
        Assert.Equal(4, root.GetProperty("keysRestored").GetInt32());
        Assert.Equal(4, root.GetProperty("volumesOpened").GetInt32());
        Assert.True(root.GetProperty("memoryZeroised").GetBoolean());
        Assert.True(root.GetProperty("succeeded").GetBoolean());
        Assert.DoesNotContain("dmcryptkeys", root.GetProperty("kdumpCommandLine").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public void The_129th_volume_shows_the_kernel_quirk_and_exits_1()
    {
        CliResult result = CliRunner.Run("simulate", "--keys", "129");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(result.OutputLines, l => l.StartsWith("warning for ", StringComparison.Ordinal) && l.Contains("129th item", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l == "4. Crash, boot the kdump kernel and restore the keys -- FAILED");
        Assert.StartsWith("FAIL: 0 of 129 volume(s) unlocked", result.OutputLines[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--keys", "0")]
    [InlineData("--keys", "130")]
    [InlineData("--handoff", "usb")]
    [InlineData("--mode", "lenient")]
    public void Bad_options_exit_2(string option, string value)
    {
        CliResult result = CliRunner.Run("simulate", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }
}
