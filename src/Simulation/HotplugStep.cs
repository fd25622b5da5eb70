using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// The optional step between the load and the crash: a CPU or memory hot-plug, after the keys expired, makes
/// <c>kdump-udev-throttler</c> run <c>reuse_luks_keys</c>, <c>kdumpctl reload</c> (unload, <c>prepare_luks</c>,
/// load, EXIT trap) and <c>unuse_luks_keys</c>.
/// </summary>
public sealed class HotplugStep : LifeCycleStep
{
    /// <inheritdoc/>
    public override LifeCycleStepKind Kind => LifeCycleStepKind.Hotplug;

    /// <summary>Whether a crash kernel carrying a blob is loaded again.</summary>
    public override bool Succeeded => Reload is { Succeeded: true, Image.HasKeys: true };

    /// <summary>Whether the throttler ran as written (<see cref="HotplugReload.KdumpUtilsReuseBug"/>) rather than as intended.</summary>
    public bool AsWritten { get; init; }

    /// <summary>The write of 1 to <c>reuse</c> before the reload; null when the throttler as written skipped it.</summary>
    public ConfigfsResult? ReuseWrite { get; init; }

    /// <summary><c>prepare_luks</c> during the reload.</summary>
    public required ConfigfsStep Prepare { get; init; }

    /// <summary>The reload's <c>kexec_file_load</c>; null when <c>prepare_luks</c> failed, so kdumpctl did not load (the old crash kernel is unloaded by then).</summary>
    public KexecLoadResult? Reload { get; init; }

    /// <summary>Items kdumpctl's EXIT trap removed after the reload.</summary>
    public int ItemsRemoved { get; init; }

    /// <summary>The write of 0 to <c>reuse</c> after the reload; null when the throttler as written skipped it.</summary>
    public ConfigfsResult? UnuseWrite { get; init; }
}
