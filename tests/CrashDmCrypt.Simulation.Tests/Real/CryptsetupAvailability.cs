using System.Diagnostics;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// Finds cryptsetup once per test run; when it is missing and apt-get is there (Debian, as root), installs
/// Debian's cryptsetup-bin first. Set CDC_NO_APT=1 to skip the install.
/// </summary>
internal static class CryptsetupAvailability
{
    private static readonly Lazy<string?> SkipReasonLazy = new(Check, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why the cryptsetup tests cannot run here, or null when they can.</summary>
    public static string? SkipReason => SkipReasonLazy.Value;

    private static string? Check()
    {
        if (CryptsetupTool.Find() is not null)
        {
            return null;
        }

        if (Environment.GetEnvironmentVariable("CDC_NO_APT") == "1" || !File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
        {
            return "cryptsetup is not installed (apt-get install cryptsetup-bin)";
        }

        // A stale package list cannot find the package: update once, then try again.
        if (!AptGet("install", "-y", "-q", "cryptsetup-bin"))
        {
            AptGet("update", "-q");
            AptGet("install", "-y", "-q", "cryptsetup-bin");
        }

        return CryptsetupTool.Find() is null ? "cryptsetup is not installed and apt-get install cryptsetup-bin failed" : null;
    }

    private static bool AptGet(params string[] arguments)
    {
        var info = new ProcessStartInfo("/usr/bin/apt-get")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return false;
        }

        _ = stdout.GetAwaiter().GetResult();
        _ = stderr.GetAwaiter().GetResult();
        return process.ExitCode == 0;
    }
}

/// <summary>A fact that needs cryptsetup; skipped, with the reason, when it is missing and cannot be installed.</summary>
public sealed class CryptsetupFactAttribute : FactAttribute
{
    public CryptsetupFactAttribute()
    {
        if (CryptsetupAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
