using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Why <see cref="KdumpLifeCycle.TryRun"/> could not start: the real part asked for is not there. The failing
/// part's result is not successful; the other is <c>default</c> (success).
/// </summary>
/// <param name="Keyring">Opening a private session keyring: <see cref="KeyringStatus.Unsupported"/> (ENOSYS) or <see cref="KeyringStatus.PermissionDenied"/> (a seccomp filter), for instance.</param>
/// <param name="Luks">Finding cryptsetup and making the temporary folder: <see cref="LuksCheckStatus.ToolMissing"/>, for instance.</param>
public readonly record struct RealPartsProblem(KeyringResult Keyring, LuksCheckResult Luks)
{
    /// <summary>Whether both parts (or the ones asked for) opened.</summary>
    public bool IsNone => Keyring.Succeeded && (Luks.Status == LuksCheckStatus.Ok);
}
