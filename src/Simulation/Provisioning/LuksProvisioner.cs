using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>
/// kdump-utils' <c>kdumpctl prepare_luks</c> over a keyring and the configfs client: for each LUKS UUID, find the
/// logon key <c>&lt;prefix&gt;&lt;UUID&gt;</c> (<c>request_key</c>, the lookup the kernel's <c>build_keys_header</c>
/// makes at load time; <c>keyctl search</c> tells an expired key from a missing one), set its timeout and create
/// the configfs item <c>&lt;UUID&gt;</c> with that description; nothing when <c>reuse</c> reads 1. The simulator
/// runs it on the model's keyring and configfs in <see cref="ProvisionOrder.Kdumpctl"/> order; <c>crashdmcrypt
/// provision</c> on the caller's keyrings and the real configfs, all or nothing. Returns data only.
/// </summary>
public sealed partial class LuksProvisioner
{
    private readonly IKeyring _keys;
    private readonly ConfigfsClient _configfs;

    internal LuksProvisioner(IKeyring keys, ConfigfsClient configfs)
    {
        _keys = keys;
        _configfs = configfs;
    }

    /// <summary>The logon key's description prefix (kdump-utils' <see cref="KdumpUtils.KeyDescriptionPrefix"/>).</summary>
    public string Prefix { get; init; } = KdumpUtils.KeyDescriptionPrefix;

    /// <summary>The timeout set on each key (kdump-utils' <see cref="KdumpUtils.KeyTimeout"/>); zero removes the expiry, as <c>keyctl timeout ID 0</c> does.</summary>
    public TimeSpan Timeout { get; init; } = KdumpUtils.KeyTimeout;

    /// <summary>The order of the calls and what a failure does.</summary>
    public ProvisionOrder Order { get; init; }

    /// <summary>
    /// A provisioner over the caller's keyrings (thread, process, session: where <c>request_key</c> looks) and the
    /// configfs directory of <paramref name="configfs"/>, in <see cref="ProvisionOrder.AllOrNothing"/> order.
    /// </summary>
    /// <param name="configfs">The configfs client.</param>
    /// <param name="prefix">The logon key description prefix.</param>
    /// <param name="timeout">The timeout set on each key; zero removes the expiry.</param>
    /// <exception cref="ArgumentNullException"><paramref name="configfs"/> or <paramref name="prefix"/> is null.</exception>
    public static LuksProvisioner ForCallerKeyrings(ConfigfsClient configfs, string prefix, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(configfs);
        ArgumentNullException.ThrowIfNull(prefix);
        return new LuksProvisioner(new CallerLogonKeyring(), configfs) { Prefix = prefix, Timeout = timeout, Order = ProvisionOrder.AllOrNothing };
    }

    /// <summary>The logon key description of a volume: <see cref="Prefix"/> and the UUID.</summary>
    public string DescriptionOf(string uuid) => Prefix + uuid;

    /// <summary>Provisions the volumes of <paramref name="uuids"/>, in that order.</summary>
    /// <param name="uuids">LUKS UUIDs; each names its configfs item.</param>
    /// <param name="dryRun">With <see cref="ProvisionOrder.AllOrNothing"/>: check the keys and the items, change nothing.</param>
    /// <exception cref="ArgumentNullException"><paramref name="uuids"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="dryRun"/> with <see cref="ProvisionOrder.Kdumpctl"/>, which has no dry run.</exception>
    public ProvisionResult Provision(IReadOnlyList<string> uuids, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(uuids);
        if (dryRun && Order == ProvisionOrder.Kdumpctl)
        {
            throw new ArgumentException("kdumpctl's order has no dry run.", nameof(dryRun));
        }

        var volumes = new List<ProvisionedVolume>(uuids.Count);
        foreach (string uuid in uuids)
        {
            volumes.Add(new ProvisionedVolume(uuid, DescriptionOf(uuid)));
        }

        var result = new ProvisionResult(volumes) { Reuse = _configfs.ReadReuse() };

        // kdumpctl: [[ $(cat $LUKS_CONFIGFS/reuse) == 1 ]] && return 0 (CPU or memory hot-plug reuses the saved blob).
        if (result.Reuse is { Succeeded: true, Value: true })
        {
            result.Status = ProvisionStatus.Reused;
            return result;
        }

        if (Order == ProvisionOrder.Kdumpctl)
        {
            result.Status = ProvisionEachInTurn(volumes);
            return result;
        }

        result.Status = ProvisionAllOrNothing(result, dryRun);
        return result;
    }

    // The kdumpctl loop: keyctl request logon; keyctl timeout <id> 300 (unchecked); mkdir <UUID>; printf %s <desc>.
    // A lookup with no key ends it (the model has no passphrase for _get_luks_key_by_unlock to ask), and so does a
    // refused item.
    private ProvisionStatus ProvisionEachInTurn(List<ProvisionedVolume> volumes)
    {
        foreach (ProvisionedVolume volume in volumes)
        {
            if (!FindKey(volume))
            {
                return ProvisionStatus.KeyUnavailable;
            }

            volume.Timeout = _keys.SetTimeout(volume.Description, Timeout);
            volume.Item = _configfs.AddKey(volume.Uuid, volume.Description);
            if (!volume.ItemCreated)
            {
                volume.State = ProvisionVolumeState.Refused;
                return ProvisionStatus.ConfigfsRefused;
            }

            volume.State = ProvisionVolumeState.Provisioned;
        }

        return ProvisionStatus.Provisioned;
    }

    // request_key passes over expired keys (KEYRING_SEARCH_SKIP_EXPIRED) and says ENOKEY, as in the kernel's own load;
    // KEYCTL_SEARCH does not skip them, so it tells "expired" from "missing".
    private bool FindKey(ProvisionedVolume volume)
    {
        volume.Lookup = _keys.RequestKey(volume.Description, out _);
        if (volume.Lookup != LinuxErrno.None)
        {
            volume.Search = _keys.Search(Encoding.UTF8.GetBytes(volume.Description));
            volume.State = ProvisionVolumeState.Refused;
            return false;
        }

        volume.Key = _keys.SerialOf(volume.Description);
        volume.State = ProvisionVolumeState.Checked;
        return true;
    }
}
