namespace CrashDmCrypt.Simulation;

/// <summary>
/// Whether the life cycle reloads the crash kernel after a CPU or memory hot-plug, and how kdump-utils does it.
/// The reload happens only where the kernel cannot update the crash image itself (<c>crash_hotplug</c> reads 0,
/// so kdump-utils' <c>98-kexec.rules</c> runs <c>kdump-udev-throttler</c>).
/// </summary>
public enum HotplugReload
{
    /// <summary>No hot-plug.</summary>
    None = 0,

    /// <summary>
    /// Once the keys have expired, <c>kdump-udev-throttler</c> runs <c>kdumpctl reload</c> between writing 1 and 0
    /// to <c>reuse</c>, as kdump-utils intends it.
    /// </summary>
    Intended = 1,

    /// <summary>
    /// The same, with <c>kdump-udev-throttler</c> as written: <c>[[ -f reuse ]] || echo 1 &gt; reuse</c> never
    /// writes, because the file exists, so the reload asks for the expired keys.
    /// </summary>
    KdumpUtilsReuseBug = 2,
}
