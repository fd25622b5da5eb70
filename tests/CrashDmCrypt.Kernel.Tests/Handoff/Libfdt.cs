using System.Diagnostics;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// Debian's device-tree-compiler (dtc, fdtget, fdtput: libfdt's own tools). When they are missing the fixture
/// installs the package with apt-get (as root, or with password-less sudo); when that is impossible the tests
/// that need them are skipped with the reason.
/// </summary>
internal static class Libfdt
{
    private static readonly Lazy<string?> MissingReason = new(Prepare);

    /// <summary>Why the tools cannot be used, or null when they can.</summary>
    public static string? SkipReason => MissingReason.Value;

    /// <summary>Runs one of the tools; returns its exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + tool);
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.GetAwaiter().GetResult());
    }

    private static string? Prepare()
    {
        if (HasTools())
        {
            return null;
        }

        if (!OperatingSystem.IsLinux() || Find("apt-get") is null)
        {
            return "dtc and fdtget (Debian package device-tree-compiler) are not installed, and there is no apt-get to install them";
        }

        string[] prefix = Environment.UserName == "root" ? [] : ["sudo", "-n"];
        string[] install = [.. prefix, "apt-get", "-o", "DPkg::Lock::Timeout=120", "install", "-y", "--no-install-recommends", "device-tree-compiler"];
        if (!TryRun(install))
        {
            _ = TryRun([.. prefix, "apt-get", "-o", "DPkg::Lock::Timeout=120", "update", "-qq"]);
            _ = TryRun(install);
        }

        return HasTools() ? null : "dtc and fdtget (Debian package device-tree-compiler) are not installed, and apt-get could not install them";
    }

    private static bool TryRun(string[] command)
    {
        try
        {
            return Run(command[0], command[1..]).ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static bool HasTools() => Find("dtc") is not null && Find("fdtget") is not null && Find("fdtput") is not null;

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs libfdt's tools: skipped, with the reason, when they cannot be had.</summary>
internal sealed class LibfdtFactAttribute : FactAttribute
{
    public LibfdtFactAttribute()
    {
        if (Libfdt.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
