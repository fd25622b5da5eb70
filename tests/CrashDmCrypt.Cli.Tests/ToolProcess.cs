using System.Diagnostics;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// Runs the built tool as a child process: for what an in-process run cannot show (standard input, argv
/// bytes that are not UTF-8, a real signal).
/// </summary>
internal static class ToolProcess
{
    // dotnet test sets DOTNET_HOST_PATH to the host that runs it.
    public static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "crashdmcrypt.dll");

    // This assembly run as a program: the tool with the test seams of ToolHost.
    private static string TestHostDll => Path.Combine(AppContext.BaseDirectory, "CrashDmCrypt.Cli.Tests.dll");

    // Tests run as a background job of a non-interactive shell inherit SIGINT and SIGQUIT ignored, and an ignored
    // signal stays ignored across exec. env --default-signal (coreutils 8.31 and later; it execs, so the pid is the
    // tool's) gives the tool the dispositions a user's shell gives it, so the signal tests test the tool, not how
    // the test run was started.
    private const string EnvProgram = "/usr/bin/env";
    private const string DefaultSignalsOption = "--default-signal=INT,QUIT,TERM,HUP";

    private static readonly Lazy<bool> DefaultSignals = new(() =>
    {
        try
        {
            using Process probe = Process.Start(EnvProgram, [DefaultSignalsOption, "true"]);
            return probe.WaitForExit(TimeSpan.FromSeconds(30)) && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>Starts <c>crashdmcrypt ARGS</c> with redirected streams; the caller waits, reads and disposes.</summary>
    /// <param name="args">The tool's arguments.</param>
    /// <param name="environment">Variables to set.</param>
    /// <param name="holdBeforeRename">Run the tool through <see cref="ToolHost"/>, which says <c>holding PATH</c> on stderr and waits before a rename.</param>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool holdBeforeRename = false)
    {
        var start = new ProcessStartInfo(DefaultSignals.Value ? EnvProgram : Host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (DefaultSignals.Value)
        {
            start.ArgumentList.Add(DefaultSignalsOption);
            start.ArgumentList.Add(Host);
        }

        start.ArgumentList.Add("exec");
        if (holdBeforeRename)
        {
            start.ArgumentList.Add(TestHostDll);
            start.ArgumentList.Add(ToolHost.HoldBeforeRename);
        }
        else
        {
            start.ArgumentList.Add(Dll);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start " + Host);
    }

    /// <summary>Runs <c>crashdmcrypt ARGS</c> with <paramref name="input"/> on standard input (closed after).</summary>
    public static CliResult Run(byte[] input, params string[] args)
    {
        using Process process = Start(args);
        process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        return Finish(process);
    }

    /// <summary>
    /// Runs a <c>sh -c</c> script in which <c>"$TOOL"</c> expands to the host and <c>"$DLL"</c> to the tool,
    /// so arguments can be made of bytes (printf) that a .NET string cannot hold.
    /// </summary>
    public static CliResult RunShell(string script)
    {
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["TOOL"] = Host;
        start.Environment["DLL"] = Dll;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start sh");
        return Finish(process);
    }

    private static CliResult Finish(Process process)
    {
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("crashdmcrypt did not finish");
        }

        return new CliResult(process.ExitCode, output, error.Result);
    }
}
