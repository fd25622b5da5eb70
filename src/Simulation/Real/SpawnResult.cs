using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>How a <see cref="NativeSpawn.Run"/> child ended.</summary>
/// <param name="ExitCode">The child's exit code; 128 + the signal number when a signal ended it; -1 when it did not run to the end.</param>
/// <param name="TimedOut">Whether the child ran past the time limit and was killed with <c>SIGKILL</c>.</param>
/// <param name="Errno">The errno of the call that failed before the child could run (<see cref="FailedCall"/>), else <see cref="LinuxErrno.None"/>.</param>
/// <param name="FailedCall">The libc function that failed, e.g. <c>posix_spawn</c>; empty when none did.</param>
/// <param name="StandardOutput">The child's first <see cref="NativeSpawn.CaptureLimit"/> bytes on stdout, as UTF-8.</param>
/// <param name="StandardError">The child's first <see cref="NativeSpawn.CaptureLimit"/> bytes on stderr, as UTF-8.</param>
internal readonly record struct SpawnResult(int ExitCode, bool TimedOut, LinuxErrno Errno, string FailedCall, string StandardOutput, string StandardError)
{
    /// <summary>Whether the child ran and exited by itself (with any code).</summary>
    public bool Ran => Errno == LinuxErrno.None && !TimedOut;

    internal static SpawnResult Failed(string call, LinuxErrno errno) => new(-1, false, errno, call, string.Empty, string.Empty);
}
