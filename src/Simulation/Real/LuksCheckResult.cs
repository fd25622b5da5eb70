using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>What a <see cref="LuksImageFolder"/> step did.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="ExitCode">cryptsetup's exit code, or -1 when it did not run to the end.</param>
/// <param name="ToolMessage">
/// cryptsetup's last line on stderr (e.g. <c>Volume key does not match the volume.</c>), or an I/O error's
/// text; empty on success. cryptsetup never prints key bytes, and neither does this class.
/// </param>
public readonly record struct LuksCheckResult(LuksCheckStatus Status, int ExitCode, string ToolMessage)
{
    /// <summary>Whether <see cref="Status"/> is <see cref="LuksCheckStatus.Ok"/>.</summary>
    public bool Succeeded => Status == LuksCheckStatus.Ok;

    /// <summary>The stable code, e.g. <c>CDC604</c>; empty on success.</summary>
    public string Code => Succeeded ? string.Empty : ProblemCode.Format((int)Status);

    internal static LuksCheckResult Ok(int exitCode = 0) => new(LuksCheckStatus.Ok, exitCode, string.Empty);

    internal static LuksCheckResult Fail(LuksCheckStatus status, string message = "", int exitCode = -1) => new(status, exitCode, message);
}
