using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation;

/// <summary>What a write to the kdump kernel's <c>restore</c> attribute did.</summary>
/// <param name="Error">What the <c>write()</c> returns: EINVAL only when <c>kstrtobool</c> fails. Restore errors never show here.</param>
/// <param name="Outcome">The restore this write triggered, or null when <c>restore</c> was already true.</param>
internal readonly record struct RestoreWriteResult(LinuxErrno Error, KdumpRestoreOutcome? Outcome);
