using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// <c>dump scan</c> of a large dump on a terminal: the status line on stderr, then Ctrl-C (or SIGTERM) stops it with the
/// findings so far, marked interrupted, and exit 130 (143). The terminal is a pseudo-terminal from util-linux's
/// <c>script</c>; Ctrl-C is the byte 0x03 typed into it, which the terminal turns into SIGINT for the tool. The test
/// waits for the first status line, never for a time. With <c>CDC_CLI_BINARY</c> set it runs that binary.
/// </summary>
public sealed class ScanInterruptionTests : IDisposable
{
    private const string Script = "/usr/bin/script";

    // Sparse: a raw image is scanned whole, holes included, so this takes far longer than the test waits for a line.
    private const long ImageLength = 256L << 30;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // script(1) gives the pseudo-terminal; it exists only on Linux here.
    [FileTheory(Script)]
    [InlineData("INT", "dump scan")]
    [InlineData("TERM", "dump scan")]
    [InlineData("INT", "scan")]
    public void A_scan_on_a_terminal_shows_progress_and_a_signal_stops_it_with_the_findings_so_far(string signal, string command)
    {
        string image = _dir["big.raw"];
        using (var file = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
        {
            file.Write(TestBlobs.Valid());
            file.SetLength(ImageLength);
        }

        string json = _dir["scan.json"];
        string pidFile = _dir["pid"];
        string tool = CliRunner.Binary is { } binary ? Quote(binary) : $"{Quote(ToolProcess.Host)} exec {Quote(ToolProcess.Dll)}";
        string line = $"echo $$ > {Quote(pidFile)}; exec /usr/bin/env --default-signal=INT,TERM {tool} {command} {Quote(image)} --json > {Quote(json)}";
        var start = new ProcessStartInfo(Script)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "--quiet", "--return", "--command", line, "/dev/null" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["SHELL"] = "/bin/sh";
        start.Environment["TERM"] = "dumb";
        using Process terminal = Process.Start(start)!;
        Task<string> errors = terminal.StandardError.ReadToEndAsync();

        // What the tool writes to the terminal: its stderr. The first status line says the scan is under way.
        string screen = ReadUntil(terminal.StandardOutput, " MiB/s");
        // Not errors.Result in the message: an interpolated message is built before the assertion and would wait for the end.
        if (!screen.Contains(" MiB/s", StringComparison.Ordinal))
        {
            Assert.Fail($"no status line on the terminal: {screen}\n{errors.Result}");
        }

        Assert.Contains(" left, ", screen, StringComparison.Ordinal);

        if (signal == "INT")
        {
            terminal.StandardInput.Write('\u0003');
            terminal.StandardInput.Flush();
        }
        else
        {
            string pid = File.ReadAllText(pidFile).Trim();
            using Process kill = Process.Start("kill", ["-TERM", pid])!;
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        string rest = terminal.StandardOutput.ReadToEnd();
        Assert.True(terminal.WaitForExit(TimeSpan.FromMinutes(2)), "the scan did not stop");
        terminal.StandardInput.Close();

        int expected = signal == "INT" ? 130 : 143;
        Assert.True(terminal.ExitCode == expected, $"exit {terminal.ExitCode}\n{screen}{rest}\n{errors.Result}");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.True(root.GetProperty("interrupted").GetBoolean());
        Assert.Equal("SIG" + signal, root.GetProperty("signal").GetString());
        long scanned = root.GetProperty("bytesScanned").GetInt64();
        Assert.InRange(scanned, 1, ImageLength - 1);
        Assert.Equal(JsonValueKind.Array, root.GetProperty("findings").ValueKind);
        Assert.Equal(root.GetProperty("findings").GetArrayLength(), root.GetProperty("findingCount").GetInt64());
    }

    [LinuxFact("redirected standard streams")]
    public void A_scan_whose_stderr_is_not_a_terminal_writes_nothing_there()
    {
        byte[] image = new byte[1 << 20];
        TestBlobs.Valid().CopyTo(image, 0x1000);
        string path = _dir.Write("image.raw", image);
        string[] args = ["dump", "scan", path];

        CliResult result = CliRunner.Binary is { } binary ? CliRunner.RunProcess(binary, args) : ToolProcess.Run([], args);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Error);
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // Reads the terminal's output until it holds marker or ends.
    private static string ReadUntil(StreamReader reader, string marker)
    {
        var text = new StringBuilder();
        char[] buffer = new char[256];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            text.Append(buffer, 0, n);
            if (text.ToString().Contains(marker, StringComparison.Ordinal))
            {
                break;
            }
        }

        return text.ToString();
    }
}
