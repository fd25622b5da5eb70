using System.CommandLine;
using System.Diagnostics;
using System.Text;
using CrashDmCrypt.Cli;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>What one in-process run of the tool printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    /// <summary>Non-empty lines of stdout.</summary>
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Non-empty lines of stderr.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// Runs <c>crashdmcrypt</c>: in process through <see cref="Program.Run"/> (so parse errors exit 2 as in the
/// real tool), or, when the environment variable <c>CDC_CLI_BINARY</c> names a file, as that program in a
/// process of its own, so the same tests check the Native AOT binary
/// (<c>CDC_CLI_BINARY=artifacts/native/crashdmcrypt dotnet test tests/CrashDmCrypt.Cli.Tests</c>).
/// </summary>
internal static class CliRunner
{
    public const string BinaryVariable = "CDC_CLI_BINARY";

    // A hung tool fails its test instead of hanging the run; this is no timing assertion.
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The binary under test, or <see langword="null"/> to run in process.</summary>
    /// <exception cref="InvalidOperationException">CDC_CLI_BINARY is set but names no file: a typo must not test the in-process tool instead.</exception>
    public static string? Binary { get; } = FindBinary();

    public static CliResult Run(params string[] args) =>
        Binary is null ? RunInProcess(args) : RunProcess(Binary, args);

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="args"/>, feeding <paramref name="standardInput"/> if given.</summary>
    public static CliResult RunProcess(string fileName, IEnumerable<string> args, string? standardInput = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(ProcessTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not exit within {ProcessTimeout}");
        }

        process.WaitForExit();
        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    private static CliResult RunInProcess(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.Run(args, new InvocationConfiguration { Output = output, Error = error });
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    private static string? FindBinary()
    {
        string? path = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        return File.Exists(path)
            ? System.IO.Path.GetFullPath(path)
            : throw new InvalidOperationException($"{BinaryVariable}={path} names no file");
    }
}

/// <summary>
/// A fact that checks the tool's code in process (internal helpers, not the command line); it is skipped,
/// with this reason, when <c>CDC_CLI_BINARY</c> points the suite at a binary it cannot look inside.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class InProcessFactAttribute : FactAttribute
{
    /// <param name="why">Why the test cannot run against a binary; by default, it calls the tool's internal code.</param>
    public InProcessFactAttribute(string why = "it calls the tool's internal code")
    {
        if (CliRunner.Binary is not null)
        {
            Skip = $"runs only in process ({why}); {CliRunner.BinaryVariable} is set";
        }
    }
}

/// <inheritdoc cref="InProcessFactAttribute"/>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class InProcessTheoryAttribute : TheoryAttribute
{
    /// <param name="why">Why the test cannot run against a binary; by default, it calls the tool's internal code.</param>
    public InProcessTheoryAttribute(string why = "it calls the tool's internal code")
    {
        if (CliRunner.Binary is not null)
        {
            Skip = $"runs only in process ({why}); {CliRunner.BinaryVariable} is set";
        }
    }
}
