using System.Diagnostics;
using System.Text.Json;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>Runs the built tool as a process, so exit codes and streams are checked as a shell sees them.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Build_validate_and_inspect_as_a_process()
    {
        string blob = _dir["blob.bin"];
        string keyFile = _dir.Write("vk.key", Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());

        CliResult build = RunTool("build", "-o", blob, "--byte-order", "big", "--key", $"cryptsetup:0f1e2d3c=@{keyFile}", "--key", "svc:b=hex:00ff");
        CliResult validate = RunTool("validate", blob, "--byte-order", "big", "--exact-length");
        CliResult wrongOrder = RunTool("validate", blob);
        CliResult inspect = RunTool("inspect", blob, "--byte-order", "big", "--json");

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.StartsWith("valid (strict, big-endian): 2 keys, 780 bytes, xxh3-nokeys:", validate.Output, StringComparison.Ordinal);
        Assert.Equal(1, wrongOrder.ExitCode);
        Assert.StartsWith("CDC003 header at offset 0", wrongOrder.Output, StringComparison.Ordinal);
        Assert.Equal(0, inspect.ExitCode);
        using JsonDocument document = JsonDocument.Parse(inspect.Output);
        Assert.Equal("cryptsetup:0f1e2d3c", document.RootElement.GetProperty("keys")[0].GetProperty("description").GetString());
        Assert.False(document.RootElement.GetProperty("keys")[0].TryGetProperty("keyHex", out _));
    }

    [Fact]
    public void Refusals_and_parse_errors_exit_2_as_a_process()
    {
        CliResult refused = RunTool("build", "-o", _dir["blob.bin"], "--key", "nocolon=hex:01");
        CliResult parseError = RunTool("validate", _dir["blob.bin"], "--mode", "lenient");
        CliResult noCommand = RunTool();

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("CDC010", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, parseError.ExitCode);
        Assert.Contains("--mode must be 'strict' or 'kernel'", parseError.Error, StringComparison.Ordinal);
        Assert.Equal(2, noCommand.ExitCode);
        Assert.Empty(_dir.FileNames());
    }

    private static CliResult RunTool(params string[] args)
    {
        // dotnet test sets DOTNET_HOST_PATH to the host that runs it.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "crashdmcrypt.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + host);
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new CliResult(process.ExitCode, output, error.Result);
    }
}
