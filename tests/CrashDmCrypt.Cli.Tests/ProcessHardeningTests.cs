using System.Diagnostics;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// Regression tests that need a child process: standard input, argv bytes that are not UTF-8, and a real
/// signal between creating and renaming build's temporary file.
/// </summary>
public sealed class ProcessHardeningTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [LinuxFact("pipes as standard input")]
    public void A_key_is_read_from_standard_input_with_at_dash()
    {
        byte[] key = Enumerable.Range(1, 64).Select(i => (byte)i).ToArray();
        string output = _dir["blob.bin"];

        CliResult result = ToolProcess.Run(key, "build", "-o", output, "--key", "cryptsetup:a=@-", "--key", "svc:b=hex:01");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(KeyBlobReader.TryRead(File.ReadAllBytes(output), out KeyBlob blob, out _));
        Assert.Equal(key, blob[0].Key.ToArray());
    }

    // Issue 12 item 5 for build: a description that is not valid UTF-8 reaches the codec as its bytes, not as U+FFFD.
    [LinuxFact("argv bytes from sh's printf and /proc/self/cmdline")]
    public void A_description_that_is_not_utf8_keeps_its_bytes()
    {
        string output = _dir["blob.bin"];

        CliResult result = ToolProcess.RunShell(
            $"\"$TOOL\" exec \"$DLL\" build -o '{output}' --key \"$(printf 'svc:a\\377\\240b=hex:0102')\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(KeyBlobReader.TryRead(File.ReadAllBytes(output), new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, out KeyBlob blob, out _));
        Assert.Equal([.. "svc:a"u8, 0xff, 0xa0, (byte)'b'], blob[0].Description.ToArray());
        Assert.Equal([1, 2], blob[0].Key.ToArray());
    }

    [LinuxFact("pipes as standard input")]
    public void A_key_on_standard_input_is_bounded_at_257_bytes()
    {
        CliResult tooLong = ToolProcess.Run(new byte[4096], "build", "-o", _dir["blob.bin"], "--key", "svc:a=@-");
        CliResult twice = ToolProcess.Run([1, 2], "build", "-o", _dir["blob.bin"], "--key", "svc:a=@-", "--key", "svc:b=@-");

        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("key 0 (svc:a): CDC006", tooLong.Error, StringComparison.Ordinal);
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("key 1", twice.Error, StringComparison.Ordinal);
        Assert.Empty(_dir.FileNames());
    }

    [LinuxFact("/dev/stdin")]
    public void Dev_stdin_from_a_pipe_reads_a_blob_and_a_key()
    {
        byte[] blob = TestBlobs.Valid();

        CliResult validate = ToolProcess.Run(blob, "validate", "/dev/stdin");
        CliResult build = ToolProcess.Run([0xaa, 0xbb], "build", "-o", _dir["blob.bin"], "--key", "svc:a=@/dev/stdin");

        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.StartsWith("valid (strict, little-endian): 2 keys", validate.Output, StringComparison.Ordinal);
        Assert.True(build.ExitCode == 0, build.ToString());
    }

    [LinuxFact("pipes as standard input")]
    public void An_offset_in_a_pipe_is_skipped_by_reading()
    {
        byte[] region = [.. new byte[4096].Select((_, i) => (byte)(i | 1)), .. TestBlobs.Valid()];

        CliResult result = ToolProcess.Run(region, "inspect", "/dev/stdin", "--offset", "0x1000");
        CliResult past = ToolProcess.Run(new byte[10], "validate", "/dev/stdin", "--offset", "11");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("count: 2", result.OutputLines);
        Assert.Equal(2, past.ExitCode);
        Assert.Contains("past the end", past.Error, StringComparison.Ordinal);
    }

    [LinuxFact("argv bytes through sh and /proc/self/cmdline")]
    public void Cmdline_text_that_is_not_utf8_gets_its_bytes_back()
    {
        // 0xa0 alone is not UTF-8 (.NET sees U+FFFD); to the kernel it is a space between two parameters.
        CliResult text = ToolProcess.RunShell("exec \"$TOOL\" exec \"$DLL\" cmdline \"$(printf 'ro\\240dmcryptkeys=0x1000')\"");
        string file = _dir.Write("cmdline", [.. "ro"u8, 0xa0, .. "dmcryptkeys=0x1000"u8]);
        CliResult fromFile = CliRunner.Run("cmdline", "--file", file);

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Equal(["0x1000"], text.OutputLines);
        Assert.Equal(fromFile.OutputLines, text.OutputLines);
    }

    [LinuxTheory("POSIX signals")]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_build_stopped_by_a_signal_before_the_rename_leaves_no_temporary_file(string signal)
    {
        string output = _dir["blob.bin"];
        using Process build = ToolProcess.Start(["build", "-o", output, "--key", "svc:a=hex:5ec7e75ec7e7"], holdBeforeRename: true);
        build.StandardInput.Close();

        // The tool says where it holds, after the temporary file is written and before the rename.
        string? line = build.StandardError.ReadLine();
        Assert.NotNull(line);
        Assert.StartsWith("holding ", line, StringComparison.Ordinal);
        string temporary = line["holding ".Length..];
        Assert.True(File.Exists(temporary), temporary);

        using (Process kill = Process.Start("kill", ["-" + signal, build.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.True(build.WaitForExit(TimeSpan.FromMinutes(1)), "build did not end on SIG" + signal);
        Assert.NotEqual(0, build.ExitCode);
        Assert.False(File.Exists(temporary), "the temporary file with the keys is still there");
        Assert.Empty(_dir.FileNames());
    }

    // Issue 20's defect 5, with the scrub's own answer: the first SIGINT is the tool's to handle, it reports the findings
    // marked interrupted, writes nothing (AtomicFile's handler has deleted the temporary file) and exits 130.
    [LinuxTheory("POSIX signals")]
    [InlineData("scrub")]
    [InlineData("dump scrub")]
    public void Defect05_a_scrub_stopped_by_SIGINT_before_the_rename_writes_nothing(string command)
    {
        byte[] image = new byte[1 << 16];
        TestBlobs.Valid().CopyTo(image, 0x2000);
        string input = _dir.Write("vmcore", image);
        string existing = _dir.Write("clean", [1, 2, 3]);
        using Process scrub = ToolProcess.Start([.. command.Split(' '), input, "-o", existing, "--json"], holdBeforeRename: true);
        scrub.StandardInput.Close();
        Task<string> output = scrub.StandardOutput.ReadToEndAsync();

        string? line = scrub.StandardError.ReadLine();
        Assert.NotNull(line);
        Assert.StartsWith("holding ", line, StringComparison.Ordinal);
        string temporary = line["holding ".Length..];
        Assert.True(File.Exists(temporary), temporary);
        using (Process kill = Process.Start("kill", ["-INT", scrub.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.True(scrub.WaitForExit(TimeSpan.FromMinutes(2)), "scrub did not end on SIGINT");
        Assert.Equal(130, scrub.ExitCode);
        Assert.False(File.Exists(temporary), "the temporary file is still there");
        Assert.Equal(["clean", "vmcore"], _dir.FileNames());
        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));
        using var document = System.Text.Json.JsonDocument.Parse(output.Result);
        Assert.True(document.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.Equal("SIGINT", document.RootElement.GetProperty("signal").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("findingCount").GetInt32());
    }

    // The shipped tool has no test hook: the variable that once made it wait before the rename does nothing.
    [LinuxFact("a child process")]
    public void The_tool_ignores_the_old_test_variable()
    {
        string output = _dir["blob.bin"];
        var variable = new Dictionary<string, string> { ["CRASHDMCRYPT_TEST_HOLD_BEFORE_RENAME"] = "1" };
        using Process build = ToolProcess.Start(["build", "-o", output, "--key", "svc:a=hex:5ec7e75ec7e7"], variable);
        build.StandardInput.Close();
        string error = build.StandardError.ReadToEnd();

        Assert.True(build.WaitForExit(TimeSpan.FromMinutes(2)), "build did not end");
        Assert.Equal(0, build.ExitCode);
        Assert.DoesNotContain("holding", error, StringComparison.Ordinal);
        Assert.True(File.Exists(output));
    }
}
