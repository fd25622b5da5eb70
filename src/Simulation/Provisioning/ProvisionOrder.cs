namespace CrashDmCrypt.Simulation.Provisioning;

/// <summary>How <see cref="LuksProvisioner"/> orders its calls and what it does when one fails.</summary>
public enum ProvisionOrder
{
    /// <summary>
    /// <c>kdumpctl prepare_luks</c> as written: an unreadable <c>reuse</c> does not stop it; each volume in turn
    /// gets <c>keyctl request logon</c>, <c>keyctl timeout</c> (its result unchecked), <c>mkdir</c> and the
    /// description; the first failed lookup or item ends the run. Nothing is undone: kdumpctl's EXIT trap
    /// removes the items, which is the caller's part.
    /// </summary>
    Kdumpctl,

    /// <summary>
    /// All or nothing: an unreadable <c>reuse</c> or item list, an item left from before, more than
    /// <see cref="Codec.KeyBlobLayout.MaxKeys"/> keys in all or any key not found stops the run before anything
    /// changes; then every item, then every timeout; a failure part way removes the items made and puts each
    /// timeout back.
    /// </summary>
    AllOrNothing,
}
