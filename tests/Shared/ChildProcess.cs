using System.Diagnostics;

namespace CrashDmCrypt.Tests.Shared;

/// <summary>Runs an outside program to its end and returns its exit code, standard output and standard error.</summary>
internal static class ChildProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;

        // Both pipes drain at once, so a child that fills one while the other is read cannot block.
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
