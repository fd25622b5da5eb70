using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>The all-or-nothing order (<see cref="ProvisionOrder.AllOrNothing"/>): checks, writes, and the roll-back.</summary>
public sealed partial class LuksProvisioner
{
    private ProvisionStatus ProvisionAllOrNothing(ProvisionResult result, bool dryRun)
    {
        if (!result.Reuse.Succeeded)
        {
            return ProvisionStatus.ReuseUnreadable;
        }

        ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> listed = _configfs.ListKeys();
        result.Listed = listed;
        if (!listed.Succeeded)
        {
            return ProvisionStatus.ListFailed;
        }

        var existing = new HashSet<string>(listed.Value.Select(i => i.Name), StringComparer.Ordinal);
        foreach (ProvisionedVolume volume in result.Volumes.Where(v => existing.Contains(v.Uuid)))
        {
            volume.ItemExisted = true;
            volume.State = ProvisionVolumeState.Refused;
        }

        if (result.ExceedsMaxKeys || result.Volumes.Any(v => v.ItemExisted))
        {
            return ProvisionStatus.ItemsRefused;
        }

        // Every key is found before anything changes, so a missing one leaves keys and configfs as they were.
        bool allFound = true;
        foreach (ProvisionedVolume volume in result.Volumes)
        {
            allFound &= FindKey(volume);
        }

        if (!allFound)
        {
            return ProvisionStatus.KeyUnavailable;
        }

        return dryRun ? ProvisionStatus.Checked : Write(result);
    }

    // Items first, then timeouts: a configfs failure part way then leaves every key as it was, and a timeout failure
    // puts the earlier keys' timeouts back.
    private ProvisionStatus Write(ProvisionResult result)
    {
        foreach (ProvisionedVolume volume in result.Volumes)
        {
            volume.Item = _configfs.AddKey(volume.Uuid, volume.Description);
            if (!volume.ItemCreated)
            {
                volume.State = ProvisionVolumeState.Refused;
                RollBack(result);
                return ProvisionStatus.ConfigfsRefused;
            }
        }

        foreach (ProvisionedVolume volume in result.Volumes)
        {
            volume.PreviousTimeout = _keys.TimeoutOf(volume.Description);
            volume.Timeout = _keys.SetTimeout(volume.Description, Timeout);
            if (!volume.TimeoutSet)
            {
                volume.State = ProvisionVolumeState.Refused;
                RollBack(result);
                return ProvisionStatus.TimeoutRefused;
            }
        }

        foreach (ProvisionedVolume volume in result.Volumes)
        {
            volume.State = ProvisionVolumeState.Provisioned;
        }

        return ProvisionStatus.Provisioned;
    }

    private void RollBack(ProvisionResult result)
    {
        foreach (ProvisionedVolume volume in result.Volumes.Reverse())
        {
            if (volume.TimeoutSet)
            {
                // "perm" is put back exactly (timeout 0); a finite one to the whole unit /proc/keys shows, rounded down.
                volume.TimeoutRestored = volume.PreviousTimeout is { } previous
                    && _keys.SetTimeout(volume.Description, previous) == Kernel.LinuxErrno.None;
            }

            if (!volume.ItemCreated)
            {
                continue;
            }

            volume.Removal = _configfs.RemoveKey(volume.Uuid);
            if (volume.Removal.Value.Succeeded)
            {
                volume.State = ProvisionVolumeState.Removed;
                result.ItemsRemoved++;
            }
        }
    }
}
