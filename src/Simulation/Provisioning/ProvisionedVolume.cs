using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>One volume of a <see cref="LuksProvisioner"/> run: its key lookup, timeout and configfs item, as data.</summary>
public sealed class ProvisionedVolume
{
    internal ProvisionedVolume(string uuid, string description)
    {
        Uuid = uuid;
        Description = description;
    }

    /// <summary>The LUKS UUID, which names the configfs item.</summary>
    public string Uuid { get; }

    /// <summary>The logon key's description (prefix and UUID), written into the item.</summary>
    public string Description { get; }

    /// <summary>Where the volume got to.</summary>
    public ProvisionVolumeState State { get; internal set; }

    /// <summary>The key <c>request_key</c> found; <see cref="KeySerial.None"/> when not found or the keyring has no serials (the model's).</summary>
    public KeySerial Key { get; internal set; }

    /// <summary>What <c>keyctl request logon &lt;desc&gt;</c> returned; <see cref="LinuxErrno.None"/> when it found the key or was not asked.</summary>
    public LinuxErrno Lookup { get; internal set; }

    /// <summary>
    /// When the lookup failed: what <c>keyctl search</c> returned (EKEYEXPIRED or EKEYREVOKED name a key that
    /// <c>request_key</c>, which skips expired keys, reports as ENOKEY); else <see cref="LinuxErrno.None"/>.
    /// </summary>
    public LinuxErrno Search { get; internal set; }

    /// <summary>The volume's item existed before the run (<see cref="ProvisionOrder.AllOrNothing"/> refuses it).</summary>
    public bool ItemExisted { get; internal set; }

    /// <summary>What <c>keyctl timeout</c> returned; null when it was not called.</summary>
    public LinuxErrno? Timeout { get; internal set; }

    /// <summary>The key's timeout before the run (<see cref="TimeSpan.Zero"/>: none), as <c>/proc/keys</c> showed it; null when unknown or not read.</summary>
    public TimeSpan? PreviousTimeout { get; internal set; }

    /// <summary>After a failure part way: whether the previous timeout was put back; null when there was nothing to put back.</summary>
    public bool? TimeoutRestored { get; internal set; }

    /// <summary>What <see cref="ConfigfsClient.AddKey"/> (<c>mkdir</c>, then the description) returned; null when it was not called.</summary>
    public ConfigfsResult? Item { get; internal set; }

    /// <summary>After a failure part way: what removing the item this run created returned; null when nothing was removed.</summary>
    public ConfigfsResult? Removal { get; internal set; }

    internal bool ItemCreated => Item is { Succeeded: true };

    internal bool TimeoutSet => Timeout == LinuxErrno.None;
}
