using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>What a kernel keyring call did.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Errno">The errno the kernel returned, or <see cref="LinuxErrno.None"/> (also for refusals made before any call).</param>
public readonly record struct KeyringResult(KeyringStatus Status, LinuxErrno Errno)
{
    /// <summary>Whether <see cref="Status"/> is <see cref="KeyringStatus.Ok"/>.</summary>
    public bool Succeeded => Status == KeyringStatus.Ok;

    /// <summary>The stable code, e.g. <c>CDC502</c>; <c>CDC000</c> on success, as every result and problem gives it.</summary>
    public string Code => ProblemCode.Format((int)Status);

    /// <summary>Success.</summary>
    public static KeyringResult Ok => default;

    /// <summary>The result of a call that failed with <paramref name="errno"/>.</summary>
    public static KeyringResult FromErrno(LinuxErrno errno) => new(KeyringErrors.GetStatus(errno), errno);
}
