using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// What a <see cref="LuksImageFolder"/> step did: a status (its code <c>CDC6nn</c>) and the fields behind it. The
/// words are the tool's; cryptsetup's own last line on stderr is kept apart, as it said it, in <see cref="ToolStandardError"/>.
/// </summary>
public readonly record struct LuksCheckResult
{
    /// <summary>How it ended.</summary>
    public LuksCheckStatus Status { get; internal init; }

    /// <summary>cryptsetup's exit code, or -1 when it did not run to the end.</summary>
    public int ExitCode { get; internal init; }

    /// <summary>
    /// cryptsetup's last line on stderr (e.g. <c>Volume key does not match the volume.</c>), raw; empty when it did not
    /// run or said nothing. cryptsetup never prints key bytes.
    /// </summary>
    public string ToolStandardError { get; internal init; }

    /// <summary>Whether cryptsetup was stopped for not finishing within the step's time.</summary>
    public bool TimedOut { get; internal init; }

    /// <summary>For <see cref="LuksCheckStatus.IoError"/>: the errno of the failed file or process call, else <see cref="LinuxErrno.None"/>.</summary>
    public LinuxErrno Errno { get; internal init; }

    /// <summary>For <see cref="LuksCheckStatus.IoError"/> when starting cryptsetup failed: the libc function, e.g. <c>posix_spawn</c>; else empty.</summary>
    public string FailedCall { get; internal init; }

    /// <summary>For the key-size statuses: the size of the key the step was given, else 0.</summary>
    public int KeySize { get; internal init; }

    /// <summary>For <see cref="LuksCheckStatus.KeySizeMismatch"/>: the volume key's size, else 0.</summary>
    public int VolumeKeySize { get; internal init; }

    /// <summary>Whether <see cref="Status"/> is <see cref="LuksCheckStatus.Ok"/>.</summary>
    public bool Succeeded => Status == LuksCheckStatus.Ok;

    /// <summary>The stable code, e.g. <c>CDC604</c>; <c>CDC000</c> on success, as every result and problem gives it.</summary>
    public string Code => ProblemCode.Format((int)Status);

    internal static LuksCheckResult Ok(int exitCode = 0) => Fail(LuksCheckStatus.Ok, exitCode);

    internal static LuksCheckResult Fail(LuksCheckStatus status, int exitCode = -1) =>
        new() { Status = status, ExitCode = exitCode, ToolStandardError = string.Empty, FailedCall = string.Empty };
}
