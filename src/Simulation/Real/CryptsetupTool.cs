using System.Globalization;
using System.Security.Cryptography;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// Finds and runs the real <c>cryptsetup</c> program. Secrets reach it only through pipes: the volume key on
/// its standard input (<c>--volume-key-file /dev/stdin</c>), a passphrase through an inherited pipe
/// (<c>--key-file /proc/self/fd/N</c>), never through a file on disk or its command line.
/// </summary>
public static class CryptsetupTool
{
    /// <summary>Placeholder in <see cref="Run"/>'s arguments for the passphrase pipe's path.</summary>
    internal const string PassphraseFd = "{passphrase-fd}";

    /// <summary>Longest a single cryptsetup run may take before it is killed and reported as failed.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    // Debian installs cryptsetup in /usr/sbin (also /sbin through the merged /usr), which an ordinary user's PATH may lack.
    private static readonly string[] ExtraFolders = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    /// <summary>The path of <c>cryptsetup</c>: the first on <c>PATH</c>, then in the sbin folders; null when there is none.</summary>
    public static string? Find()
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string folder in path.Concat(ExtraFolders))
        {
            string candidate = Path.Combine(folder, "cryptsetup");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <paramref name="tool"/> with <paramref name="arguments"/>, writes <paramref name="standardInput"/> to its
    /// standard input and closes it. A non-empty <paramref name="passphrase"/> goes through a pipe the child
    /// inherits; each <c>{passphrase-fd}</c> in the arguments becomes that pipe's <c>/proc/self/fd/N</c>.
    /// </summary>
    internal static LuksCheckResult Run(string tool, IReadOnlyList<string> arguments, ReadOnlySpan<byte> standardInput, ReadOnlySpan<byte> passphrase)
    {
        string fd = passphrase.IsEmpty ? string.Empty : NativeSpawn.ExtraInputFd.ToString(CultureInfo.InvariantCulture);
        var list = new List<string>(arguments.Count);
        foreach (string argument in arguments)
        {
            list.Add(argument.Replace(PassphraseFd, "/proc/self/fd/" + fd, StringComparison.Ordinal));
        }

        // Fixed English messages, whatever the machine's locale.
        SpawnResult run = NativeSpawn.Run(tool, list, ["LC_ALL=C"], standardInput, passphrase, Timeout);
        if (run.TimedOut)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.ToolFailed) with { TimedOut = true };
        }

        if (!run.Ran)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.IoError) with { Errno = run.Errno, FailedCall = run.FailedCall };
        }

        return run.ExitCode == 0
            ? LuksCheckResult.Ok()
            : LuksCheckResult.Fail(LuksCheckStatus.ToolFailed, run.ExitCode) with { ToolStandardError = LastLine(run.StandardError) };
    }

    /// <summary>Fills <paramref name="passphrase"/> with random bytes: a keyslot passphrase nobody keeps.</summary>
    internal static void FillThrowawayPassphrase(Span<byte> passphrase) => RandomNumberGenerator.Fill(passphrase);

    private static string LastLine(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? string.Empty : lines[^1];
    }
}
