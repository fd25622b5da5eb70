using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>Regression tests for the CLI defects of the hostile review (issue 12, items 3 to 7).</summary>
public sealed class HardeningTests : IDisposable
{
    private const string Secret = "5ec7e75ec7e75ec7";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Item 3: response files.
    [Fact]
    public void An_at_sign_argument_is_not_a_response_file_so_a_key_file_is_never_split_into_the_message()
    {
        string keyFile = _dir.Write("vk.bin", Encoding.ASCII.GetBytes($"{Secret} --bogus {Secret}2\n"));
        string output = _dir["blob.bin"];

        CliResult result = CliRunner.Run("build", "-o", output, "--key", "@" + keyFile);

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain(Secret, result.Output + result.Error, StringComparison.Ordinal);
        Assert.Contains("expected DESC=hex:HEX or DESC=@KEYFILE", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Validate_names_the_at_sign_argument_not_the_file_it_would_expand_to()
    {
        string list = _dir.Write("x", Encoding.ASCII.GetBytes("/nonexistent/from-the-response-file\n"));

        CliResult result = CliRunner.Run("validate", "@" + list);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"'@{list}'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("from-the-response-file", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate", "FILE", "--mode", Secret)]
    [InlineData("validate", "FILE", "--byte-order", Secret)]
    [InlineData("validate", "FILE", "--offset", Secret)]
    [InlineData("validate", "FILE", Secret)]
    [InlineData("build", "-o", "OUT", "--key", "svc:a=hex:01", Secret)]
    [InlineData("build", "-o", "OUT", "--key", "svc:a=hex:01", "--byte-order", Secret)]
    [InlineData("cmdline", "--mode", Secret)]
    [InlineData("configfs", "reuse", Secret)]
    [InlineData("validate", "FILE", "--mode=" + Secret)]
    [InlineData("validate", "FILE", "--mode", Secret + "\n" + Secret)]
    [InlineData("validate", "FILE", "--mode=" + Secret + "\n" + Secret)]
    public void Parse_errors_never_repeat_an_argument_that_is_not_a_name(params string[] args)
    {
        string file = _dir.Write("blob.bin", TestBlobs.Valid());
        string[] resolved = args.Select(a => a switch { "FILE" => file, "OUT" => _dir["out.bin"], _ => a }).ToArray();

        CliResult result = CliRunner.Run(resolved);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
        Assert.DoesNotContain(Secret, result.Output + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stray_argument_is_named_by_its_position()
    {
        CliResult result = CliRunner.Run("build", "-o", _dir["out.bin"], "--key", "svc:a=hex:01", Secret);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unrecognized command or argument #6.", result.Error, StringComparison.Ordinal);
        Assert.Contains("Run 'crashdmcrypt build --help' for usage.", result.ErrorLines);
    }

    [Fact]
    public void File_names_in_messages_are_escaped_and_cut()
    {
        string hostile = _dir["\u001b[2Jx"];
        string longName = "/nonexistent/" + new string('k', 300);

        CliResult escaped = CliRunner.Run("validate", hostile);
        CliResult cut = CliRunner.Run("validate", longName);

        Assert.Equal(2, escaped.ExitCode);
        Assert.DoesNotContain('\u001b', escaped.Error);
        Assert.Contains(@"\x1b[2Jx", escaped.Error, StringComparison.Ordinal);
        Assert.Equal(2, cut.ExitCode);
        Assert.DoesNotContain(new string('k', CliTextLimit + 1), cut.Error, StringComparison.Ordinal);
        Assert.Contains("...'", cut.Error, StringComparison.Ordinal);
    }

    // Item 4: files that are not regular files.
    [LinuxFact("/dev/zero")]
    public void Dev_zero_is_read_up_to_the_bound_not_taken_as_empty()
    {
        CliResult strict = CliRunner.Run("validate", "/dev/zero");
        CliResult kernel = CliRunner.Run("validate", "/dev/zero", "--mode", "kernel");

        // 49,669 zero bytes: total_keys 0, which strict refuses (CDC002) and the kdump kernel accepts.
        Assert.Equal(1, strict.ExitCode);
        Assert.StartsWith("CDC002 header at offset 0", Assert.Single(strict.OutputLines), StringComparison.Ordinal);
        Assert.Equal(0, kernel.ExitCode);
        Assert.StartsWith("valid (kernel, little-endian): 0 keys, 4 bytes", kernel.Output, StringComparison.Ordinal);
    }

    [LinuxFact("procfs")]
    public void A_procfs_file_that_reports_length_0_is_read_whole()
    {
        CliResult result = CliRunner.Run("validate", "/proc/self/status");

        // "Name" read as total_keys is far above 128.
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("CDC003", result.OutputLines[0], StringComparison.Ordinal);
    }

    [LinuxFact("/dev/zero")]
    public void A_key_from_a_device_is_bounded_and_its_257th_byte_means_too_long()
    {
        CliResult result = CliRunner.Run("build", "-o", _dir["out.bin"], "--key", "svc:a=@/dev/zero");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("key 0 (svc:a): CDC006", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir["out.bin"]));
    }

    [LinuxFact("FIFOs")]
    public void A_fifo_without_a_writer_is_refused_at_once_as_a_blob_and_as_a_key_file()
    {
        string fifo = MakeFifo("fifo");

        CliResult validate = RunBounded("validate", fifo);
        CliResult build = RunBounded("build", "-o", _dir["out.bin"], "--key", $"svc:a=@{fifo}");

        Assert.Equal(2, validate.ExitCode);
        Assert.Contains("gave no bytes", validate.Error, StringComparison.Ordinal);
        Assert.Equal(2, build.ExitCode);
        Assert.Contains("gave no bytes", build.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir["out.bin"]));
    }

    [LinuxFact("directories and sockets as files")]
    public void Directories_and_sockets_are_refused_with_exit_2()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string socketPath = _dir["sock"];
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        CliResult directory = CliRunner.Run("validate", _dir.Path);
        CliResult socketFile = CliRunner.Run("inspect", socketPath);
        CliResult keyDirectory = CliRunner.Run("build", "-o", _dir["out.bin"], "--key", $"svc:a=@{_dir.Path}");

        Assert.Equal(2, directory.ExitCode);
        Assert.Contains("is a directory", directory.Error, StringComparison.Ordinal);
        Assert.Equal(2, socketFile.ExitCode);
        Assert.StartsWith("inspect: cannot open", socketFile.Error, StringComparison.Ordinal);
        Assert.Equal(2, keyDirectory.ExitCode);
        Assert.False(File.Exists(_dir["out.bin"]));
    }

    // Item 5: TEXT and --file give the kernel's answer on the same bytes.
    [Theory]
    [InlineData("dmcryptkeys=0x1000\u00a0", "strict")]
    [InlineData("dmcryptkeys=0x1000\u00a0", "kernel")]
    [InlineData("ro\u00a0dmcryptkeys=0x2000", "strict")]
    [InlineData("dmcryptkeys=\u00850x3000", "kernel")]
    [InlineData("dmcryptkeys=0x4000 \u2028", "strict")]
    public void Cmdline_text_and_file_agree_on_the_same_bytes(string line, string mode)
    {
        string file = _dir.Write("cmdline", Encoding.UTF8.GetBytes(line));

        CliResult text = CliRunner.Run("cmdline", line, "--mode", mode);
        CliResult fromFile = CliRunner.Run("cmdline", "--file", file, "--mode", mode);

        Assert.Equal(fromFile, text);
    }

    [InProcessFact("only in process are the arguments' bytes unrecoverable: a real process finds them in /proc/self/cmdline")]
    public void Cmdline_text_whose_bytes_cannot_be_recovered_is_a_usage_error()
    {
        CliResult result = CliRunner.Run("cmdline", "dmcryptkeys=0x1000\ufffd" + Guid.NewGuid().ToString("N"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("use --file", result.Error, StringComparison.Ordinal);
    }

    [InProcessFact("only in process are the arguments' bytes unrecoverable: a real process finds them in /proc/self/cmdline")]
    public void Build_description_whose_bytes_cannot_be_recovered_is_a_usage_error()
    {
        string output = _dir["blob.bin"];

        CliResult result = CliRunner.Run("build", "-o", output, "--key", "svc:a\ufffd" + Guid.NewGuid().ToString("N") + "=hex:0102");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the description is not valid UTF-8 and its bytes could not be recovered from /proc/self/cmdline", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("0102", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Command_line_bytes_are_recovered_from_the_process_arguments()
    {
        byte[] argv = [.. "crashdmcrypt\0cmdline\0ro"u8, 0xa0, .. "dmcryptkeys=0x1000\0"u8];

        Assert.True(Common.CommandLineBytes.TryGet("ro\ufffddmcryptkeys=0x1000", argv, out byte[] bytes));
        Assert.Equal([.. "ro"u8, 0xa0, .. "dmcryptkeys=0x1000"u8], bytes);
        Assert.False(Common.CommandLineBytes.TryGet("ro\ufffddmcryptkeys=0x2000", argv, out _));

        byte[] twoCandidates = [.. "a"u8, 0xa0, 0, .. "a"u8, 0xff, 0];
        Assert.False(Common.CommandLineBytes.TryGet("a\ufffd", twoCandidates, out _));
    }

    // Item 6: terminal control characters from configfs.
    [LinuxFact("a temporary directory standing in for configfs")]
    public void Configfs_list_and_errors_escape_names_and_descriptions()
    {
        File.WriteAllText(_dir["count"], "1\n");
        File.WriteAllText(_dir["reuse"], "0\n");
        string hostile = "evil\u001b[2J";
        Directory.CreateDirectory(_dir[hostile]);
        File.WriteAllText(Path.Combine(_dir[hostile], "description"), "a:\u001b]0;owned\u0007\n");

        CliResult list = CliRunner.Run("configfs", "--root", _dir.Path, "list");
        CliResult remove = CliRunner.Run("configfs", "--root", _dir.Path, "remove", "gone\u001b[31m");

        Assert.Equal(0, list.ExitCode);
        Assert.DoesNotContain('\u001b', list.Output);
        Assert.DoesNotContain('\u0007', list.Output);
        Assert.Contains(@"evil\x1b[2J", list.Output, StringComparison.Ordinal);
        Assert.Equal(1, remove.ExitCode);
        Assert.DoesNotContain('\u001b', remove.Error);
        Assert.Contains(@"gone\x1b[31m", remove.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k\u001b[2J", "cryptsetup:a", "NAME holds a control character (U+001B)")]
    [InlineData("k", "cryptsetup:\u001b]0;x\u0007", "DESCRIPTION holds a control character (U+001B)")]
    [InlineData("k", "cryptsetup:a\u0085b", "DESCRIPTION holds a control character (U+0085)")]
    [InlineData("k", "cryptsetup:a\tb", "DESCRIPTION holds a control character (U+0009)")]
    public void Configfs_add_refuses_control_characters_before_writing(string name, string description, string message)
    {
        File.WriteAllText(_dir["count"], "0\n");
        File.WriteAllText(_dir["reuse"], "0\n");

        CliResult result = CliRunner.Run("configfs", "--root", _dir.Path, "add", name, description);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"configfs add: {message}; refused before writing", Assert.Single(result.ErrorLines));
        Assert.Equal(["count", "reuse"], _dir.FileNames());
    }

    [Fact]
    public void Names_are_cut_on_a_character_boundary()
    {
        string name = new string('a', CliTextLimit - 1) + "\U0001F511" + "tail";

        string quoted = Common.CliText.Quote(name);

        Assert.Equal("'" + new string('a', CliTextLimit - 1) + "...'", quoted);
        Assert.Equal(@"'short\\x'", Common.CliText.Quote(@"short\x"));
    }

    private const int CliTextLimit = Common.CliText.MaxShownLength;

    private string MakeFifo(string name)
    {
        string path = _dir[name];
        using Process mkfifo = Process.Start("mkfifo", [path]) ?? throw new InvalidOperationException("mkfifo");
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    // A hang is the defect: give up after a minute rather than block the test run forever.
    private static CliResult RunBounded(params string[] args)
    {
        Task<CliResult> run = Task.Run(() => CliRunner.Run(args));
        Assert.True(run.Wait(TimeSpan.FromMinutes(1)), "crashdmcrypt " + string.Join(' ', args) + " blocked");
        return run.Result;
    }
}
