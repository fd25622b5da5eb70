using System.Text;
using System.Text.Json;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Cli.Tests;

public sealed class CmdlineCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // (command line, mode, exit code, stdout line or null, error code printed with --json or null)
    public static TheoryData<string, string, int, string?, string?> Cases => new()
    {
        { "elfcorehdr=0x7f000000 dmcryptkeys=0x7e001000 ro", "strict", 0, "0x7e001000", null },
        { "dmcryptkeys=0x1000 dmcryptkeys=0x2000", "strict", 0, "0x2000", null },
        { "dmcryptkeys=\"4K\"", "strict", 0, "0x1000", null },
        { "dmcryptkeys=0xffffffffffffffff", "strict", 0, "0xffffffffffffffff", null },
        { "dmcryptkeys=0x10000000000000000", "strict", 1, null, "Overflow" },
        { "dmcryptkeys=0x10000000000000000", "kernel", 0, "0xffffffffffffffff", null },   // saturates: lib/kstrtox.c:83-88
        { "dmcryptkeys=1KB", "strict", 1, null, "TrailingCharacters" },
        { "dmcryptkeys=1KB", "kernel", 0, "0x400", null },
        { "dmcryptkeys=", "strict", 1, null, "NoDigits" },
        { "dmcryptkeys=", "kernel", 1, null, "NoDigits" },
        { "dmcryptkeys", "strict", 1, null, "ValueMissing" },
        { "xdmcryptkeys=0x1000", "strict", 1, null, "ParameterMissing" },
        { "ro -- dmcryptkeys=0x1000", "kernel", 1, null, "ParameterMissing" },
        { "dmcryptkeys=0", "strict", 1, null, "AddressZero" },
        { "", "strict", 1, null, "ParameterMissing" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Text_prints_the_address_or_the_reason(string commandLine, string mode, int exitCode, string? line, string? code)
    {
        CliResult result = CliRunner.Run("cmdline", commandLine, "--mode", mode);

        Assert.True(result.ExitCode == exitCode, result.ToString());
        if (line is null)
        {
            Assert.Empty(result.Output);
            CommandLineError error = Enum.Parse<CommandLineError>(code!);
            string expected = $"cmdline: {CommandLineErrors.GetCode(error)} at offset ";
            Assert.StartsWith(expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
            Assert.EndsWith(": " + CommandLineErrors.GetMessage(error), result.ErrorLines[0], StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(line + Environment.NewLine, result.Output);
            Assert.Empty(result.Error);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Json_prints_the_address_or_the_error_code(string commandLine, string mode, int exitCode, string? line, string? code)
    {
        CliResult result = CliRunner.Run("cmdline", commandLine, "--mode", mode, "--json");

        Assert.True(result.ExitCode == exitCode, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement root = document.RootElement;
        if (line is null)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("address").ValueKind);
            Assert.Equal(CommandLineErrors.GetCode(Enum.Parse<CommandLineError>(code!)), root.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("message").GetString()));
            Assert.Single(result.ErrorLines);
        }
        else
        {
            Assert.Equal(Convert.ToUInt64(line, 16), root.GetProperty("address").GetUInt64());
            Assert.Equal(["address"], root.EnumerateObject().Select(p => p.Name));
            Assert.Empty(result.Error);
        }
    }

    [Fact]
    public void File_is_read_byte_for_byte_like_proc_cmdline()
    {
        // 0xa0 separates parameters for the kernel's isspace; the line ends with a newline as /proc/cmdline does.
        byte[] bytes = [.. "ro"u8, 0xa0, .. "dmcryptkeys=0x7e001000\n"u8];
        string file = _dir.Write("cmdline", bytes);

        CliResult result = CliRunner.Run("cmdline", "--file", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["0x7e001000"], result.OutputLines);
    }

    [FileFact("/proc/cmdline")]
    public void Without_text_or_file_the_running_kernel_s_command_line_is_read()
    {
        CliResult byDefault = CliRunner.Run("cmdline");
        CliResult explicitly = CliRunner.Run("cmdline", "--file", "/proc/cmdline");

        Assert.Equal(explicitly, byDefault);
        Assert.Contains(byDefault.ExitCode, new[] { 0, 1 });
    }

    [Fact]
    public void Text_and_file_together_are_a_usage_error()
    {
        string file = _dir.Write("cmdline", Encoding.ASCII.GetBytes("dmcryptkeys=0x1000"));

        CliResult result = CliRunner.Run("cmdline", "dmcryptkeys=0x1000", "--file", file);

        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain(result.OutputLines, l => l.StartsWith("0x", StringComparison.Ordinal));
        Assert.Contains("not both", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_io_error()
    {
        CliResult result = CliRunner.Run("cmdline", "--file", _dir["absent"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(_dir["absent"], result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_file_over_1_MiB_is_refused_and_1_MiB_is_read()
    {
        byte[] line = Encoding.ASCII.GetBytes("dmcryptkeys=0x1000");
        byte[] exact = new byte[1 << 20];
        exact.AsSpan().Fill((byte)' ');
        line.CopyTo(exact, 0);
        byte[] over = [.. exact, (byte)' '];

        Assert.Equal(0, CliRunner.Run("cmdline", "--file", _dir.Write("exact", exact)).ExitCode);
        CliResult result = CliRunner.Run("cmdline", "--file", _dir.Write("over", over));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("larger than", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_mode_is_a_usage_error()
    {
        Assert.Equal(2, CliRunner.Run("cmdline", "dmcryptkeys=0x1000", "--mode", "lenient").ExitCode);
    }
}
