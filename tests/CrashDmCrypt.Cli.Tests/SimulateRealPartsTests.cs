using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Cli.Simulate;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// <c>simulate --keyring kernel</c>, <c>--luks cryptsetup</c> and <c>--real</c> end to end: real keys in private session
/// keyrings, real LUKS2 images checked by cryptsetup, a damaged key that fails the run, and no image left behind.
/// </summary>
public sealed class SimulateRealPartsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [ProvisionKeyringFact]
    public void With_the_kernel_keyring_logon_keys_cannot_be_read_back_and_the_kernel_expires_them()
    {
        CliResult result = CliRunner.Run("simulate", "--keyring", "kernel");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.OutputLines;
        Assert.Equal("kdump dm-crypt key life cycle on the kernel model with the real kernel keyring: 2 volume(s), seed 1, command-line handoff (x86_64 style), strict restore", lines[0]);
        Assert.Equal(2, lines.Count(l => l.StartsWith("real logon key ", StringComparison.Ordinal) && l.EndsWith(": keyctl read refused: EOPNOTSUPP (operation not supported)", StringComparison.Ordinal)));
        Assert.Contains("real kernel: request_key found each logon key, and each now expires 300 s from now (KEYCTL_SET_TIMEOUT)", lines);
        Assert.Contains("real kernel: build_keys_header's request_key found each logon key; the model supplies the payload, which only the kernel can read", lines);
        Assert.Contains("real kernel: each logon key's timeout cut to 1 s (the run does not wait 6 min); once the kernel expired them, request_key says ENOKEY and keyctl search EKEYEXPIRED: the logon keys have expired; the blob waits in reserved memory", lines);
        Assert.Contains(lines, l => l.StartsWith("restore: 2 key(s) restored from 0x", StringComparison.Ordinal) && l.EndsWith(" as real user keys (add_key, create-or-update, in a private session keyring)", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.Contains(": opened: user key ", StringComparison.Ordinal) && l.EndsWith("; read back, equal to the volume key (constant-time compare); revoked", StringComparison.Ordinal)));
        Assert.StartsWith("PASS: 2 of 2 volume(s)", lines[^1], StringComparison.Ordinal);
    }

    [CliCryptsetupFact]
    public void With_cryptsetup_each_key_is_proved_against_a_real_header_and_the_images_are_removed()
    {
        CliResult result = RunWithTemp("simulate", "--luks", "cryptsetup", "--keys", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.OutputLines;
        Assert.Equal("kdump dm-crypt key life cycle on the kernel model with real LUKS2 images (cryptsetup): 3 volume(s), seed 1, command-line handoff (x86_64 style), strict restore", lines[0]);
        Assert.Contains("real LUKS2 images: 3 of 3 made by cryptsetup luksFormat --volume-key-file (key through a pipe), in a temporary folder removed at the end", lines);
        Assert.Equal(3, lines.Count(l => l.EndsWith(": opened: equal to the volume key (constant-time compare); cryptsetup's check on the LUKS2 header: the volume key", StringComparison.Ordinal)));
        Assert.StartsWith("PASS: 3 of 3 volume(s)", lines[^1], StringComparison.Ordinal);
        Assert.Empty(_temp.FileNames());
    }

    [CliRealFact]
    public void Real_runs_both_and_json_has_the_real_fields()
    {
        CliResult result = RunWithTemp("simulate", "--real", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("kernel", root.GetProperty("keyring").GetString());
        Assert.Equal("cryptsetup", root.GetProperty("luks").GetString());
        Assert.True(root.GetProperty("succeeded").GetBoolean());
        foreach (JsonElement volume in root.GetProperty("boot").GetProperty("volumes").EnumerateArray())
        {
            Assert.True(volume.GetProperty("logonKeySerial").GetInt32() > 0);
            Assert.Equal("EOPNOTSUPP", volume.GetProperty("readBack").GetString());
            Assert.Equal("ok", volume.GetProperty("luksImage").GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, volume.GetProperty("luksImage").GetProperty("code").ValueKind);
        }

        JsonElement load = root.GetProperty("load");
        Assert.Equal(1, load.GetProperty("realKeyTimeoutSeconds").GetInt32());
        Assert.Equal("ENOKEY", load.GetProperty("logonKeyAfterWait").GetString());
        Assert.Equal("EKEYEXPIRED", load.GetProperty("logonKeySearchAfterWait").GetString());
        foreach (JsonElement volume in root.GetProperty("restore").GetProperty("volumes").EnumerateArray())
        {
            Assert.Equal("opened", volume.GetProperty("status").GetString());
            Assert.True(volume.GetProperty("userKeySerial").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Null, volume.GetProperty("readBack").ValueKind);
            Assert.True(volume.GetProperty("keyMatches").GetBoolean());
            Assert.Equal("ok", volume.GetProperty("luksCheck").GetProperty("status").GetString());
            Assert.Equal(0, volume.GetProperty("luksCheck").GetProperty("exitCode").GetInt32());
            Assert.True(volume.GetProperty("revoked").GetBoolean());
        }

        Assert.Empty(_temp.FileNames());
    }

    [CliRealFact]
    public void A_key_damaged_in_reserved_memory_fails_the_run_with_cryptsetups_refusal()
    {
        // The damage is a test seam of the simulator (internal), not an option of the tool: the run and its
        // rendering happen here, in process.
        LifeCycleReport report = RunCorrupted(entry: 0);
        var text = new StringWriter();
        LifeCycleText.Write(text, report);
        string[] lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.False(report.Succeeded);
        Assert.Single(lines, l => l.Contains(" CDC604 ", StringComparison.Ordinal) && !l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.StartsWith("FAIL: ", lines[^1], StringComparison.Ordinal);
        Assert.Contains("CDC604", lines[^1], StringComparison.Ordinal);
        Assert.Empty(_temp.FileNames());

        using var document = new JsonOutput();
        LifeCycleJson.Write(document.Writer, RunCorrupted(entry: 1));
        var written = new StringWriter();
        document.WriteTo(written);
        using JsonDocument json = JsonDocument.Parse(written.ToString());
        JsonElement bad = json.RootElement.GetProperty("restore").GetProperty("volumes")[1];
        Assert.Equal("volumesLocked", json.RootElement.GetProperty("failure").GetString());
        Assert.Equal("wrongKey", bad.GetProperty("status").GetString());
        Assert.False(bad.GetProperty("keyMatches").GetBoolean());
        Assert.Equal("keyMismatch", bad.GetProperty("luksCheck").GetProperty("status").GetString());
        Assert.Equal("CDC604", bad.GetProperty("luksCheck").GetProperty("code").GetString());
        Assert.Equal(2, bad.GetProperty("luksCheck").GetProperty("exitCode").GetInt32());
        Assert.NotEmpty(bad.GetProperty("luksCheck").GetProperty("stderr").GetString()!);
        Assert.Equal(JsonValueKind.Null, bad.GetProperty("luksCheck").GetProperty("errno").ValueKind);
        Assert.Empty(_temp.FileNames());
    }

    [Fact]
    public void The_tool_has_no_option_to_damage_a_key()
    {
        CliResult result = CliRunner.Run("simulate", "--test-corrupt-key", "0");
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void A_missing_cryptsetup_is_named_and_exits_2_before_anything_runs()
    {
        CliResult result = CliRunner.Run("simulate", "--luks", "cryptsetup", "--cryptsetup", "/nonexistent/cryptsetup");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith("simulate: --luks cryptsetup: CDC601 ", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void No_keyring_support_or_permission_is_named_with_its_code()
    {
        Assert.Equal(
            "simulate: --keyring kernel: CDC501 ENOSYS (function not implemented): the kernel has no keyring support (CONFIG_KEYS is off, or the keyring system calls are unknown on this architecture); the kernel keyring cannot be used here",
            LifeCycleText.Describe(new RealPartsProblem(KeyringResult.FromErrno(LinuxErrno.ENOSYS), default)));
        Assert.StartsWith(
            "simulate: --keyring kernel: CDC506 EPERM",
            LifeCycleText.Describe(new RealPartsProblem(KeyringResult.FromErrno(LinuxErrno.EPERM), default)),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--keyring", "user")]
    [InlineData("--luks", "dm-crypt")]
    public void Bad_real_part_names_exit_2(string option, string value)
    {
        CliResult result = CliRunner.Run("simulate", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(option + " must be", result.Error, StringComparison.Ordinal);
    }

    [CliCryptsetupFact]
    public void An_interrupted_run_removes_its_images_before_it_exits()
    {
        var environment = new Dictionary<string, string> { ["TMPDIR"] = _temp.Path };
        using Process run = ToolProcess.Start(["simulate", "--luks", "cryptsetup", "--keys", "129"], environment);
        run.StandardInput.Close();
        Task<string> output = run.StandardOutput.ReadToEndAsync();
        Task<string> error = run.StandardError.ReadToEndAsync();

        // Wait for the image folder to appear (the run makes 129 images, one at a time), then interrupt.
        for (int i = 0; i < 600 && !Directory.EnumerateDirectories(_temp.Path, LuksImageFolder.FolderPrefix + "*").Any(); i++)
        {
            Thread.Sleep(100);
        }

        Assert.NotEmpty(Directory.EnumerateDirectories(_temp.Path, LuksImageFolder.FolderPrefix + "*"));
        using (Process kill = Process.Start("kill", ["-INT", run.Id.ToString(CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)), "simulate did not end on SIGINT");
        Assert.True(run.ExitCode == 130, $"exit {run.ExitCode}\n{output.Result}\n{error.Result}");
        Assert.Equal("simulate: interrupted by SIGINT; the temporary LUKS images and private keyrings were removed", error.Result.Trim());
        Assert.Empty(_temp.FileNames());
    }

    // The tool as a process with TMPDIR in the test's own folder, so the test sees every image folder it makes.
    private LifeCycleReport RunCorrupted(int entry)
    {
        var options = new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Luks = LuksBackend.Cryptsetup, TemporaryFolder = _temp.Path, CorruptKeyOfEntry = entry };
        Assert.True(KdumpLifeCycle.TryRun(options, CancellationToken.None, out LifeCycleReport? report, out RealPartsProblem problem), problem.ToString());
        return report;
    }

    private CliResult RunWithTemp(params string[] args)
    {
        using Process run = ToolProcess.Start(args, new Dictionary<string, string> { ["TMPDIR"] = _temp.Path });
        run.StandardInput.Close();
        Task<string> error = run.StandardError.ReadToEndAsync();
        string output = run.StandardOutput.ReadToEnd();
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)), "simulate did not finish");
        return new CliResult(run.ExitCode, output, error.Result);
    }
}

/// <summary>A fact that needs cryptsetup; skipped, with the reason, where it is not installed (the test installs nothing).</summary>
public sealed class CliCryptsetupFactAttribute : FactAttribute
{
    public CliCryptsetupFactAttribute() => Skip = SkipReason;

    internal static string? SkipReason =>
        CryptsetupTool.Find() is null ? "cryptsetup is not installed (apt-get install cryptsetup-bin; .ci/run installs it)" : null;
}

/// <summary>A fact that needs both the kernel keyring and cryptsetup; skipped, with the reason, where either is missing.</summary>
public sealed class CliRealFactAttribute : FactAttribute
{
    public CliRealFactAttribute() =>
        Skip = KernelKeyring.Probe() is { Succeeded: false } probe ? $"the kernel keyring is not usable here: {probe}" : CliCryptsetupFactAttribute.SkipReason;
}
