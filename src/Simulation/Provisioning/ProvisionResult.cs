using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>What a <see cref="LuksProvisioner"/> run did, as data; the caller words it.</summary>
public sealed class ProvisionResult
{
    internal ProvisionResult(IReadOnlyList<ProvisionedVolume> volumes) => Volumes = volumes;

    /// <summary>How the run ended.</summary>
    public ProvisionStatus Status { get; internal set; }

    /// <summary>Whether every volume is provisioned, or checked in a dry run, or nothing was to be done because <c>reuse</c> read 1.</summary>
    public bool Succeeded => Status is ProvisionStatus.Provisioned or ProvisionStatus.Reused or ProvisionStatus.Checked;

    /// <summary>What <c>reuse</c> read first.</summary>
    public ConfigfsResult<bool> Reuse { get; internal set; }

    /// <summary>The items that existed before the run; null unless <see cref="ProvisionOrder.AllOrNothing"/> listed them.</summary>
    public ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>>? Listed { get; internal set; }

    /// <summary>
    /// The items before the run and the run's volumes would be more than <see cref="KeyBlobLayout.MaxKeys"/>: the
    /// kdump kernel restores no such blob, although configfs accepts a 129th item. Checked by
    /// <see cref="ProvisionOrder.AllOrNothing"/> only.
    /// </summary>
    public bool ExceedsMaxKeys => Listed is { Succeeded: true } listed && listed.Value.Count + Volumes.Count > KeyBlobLayout.MaxKeys;

    /// <summary>Each volume, in the order given.</summary>
    public IReadOnlyList<ProvisionedVolume> Volumes { get; }

    /// <summary>After a failure part way: the items this run created and removed again.</summary>
    public int ItemsRemoved { get; internal set; }
}
