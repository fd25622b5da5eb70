using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>One volume as <c>kdumpctl prepare_luks</c> handles it: the logon-key lookup, the timeout, and the configfs item.</summary>
public sealed class ConfigfsItemOutcome
{
    /// <summary>The item's directory name (the LUKS UUID).</summary>
    public required string Name { get; init; }

    /// <summary>The logon key's description written into it (<c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>).</summary>
    public required string Description { get; init; }

    /// <summary>What <c>keyctl request logon &lt;desc&gt;</c> returned; anything but <see cref="LinuxErrno.None"/> ends <c>prepare_luks</c> (no passphrase can be asked for).</summary>
    public LinuxErrno LogonKeyLookup { get; init; }

    /// <summary>
    /// When the lookup failed: what <c>keyctl search</c> for the key returned (EKEYEXPIRED: the key is there but
    /// expired, which <c>request_key</c> reports as ENOKEY); else <see cref="LinuxErrno.None"/>.
    /// </summary>
    public LinuxErrno LogonKeySearch { get; init; }

    /// <summary>What <c>keyctl timeout &lt;id&gt; 300</c> returned (kdump-utils does not check it).</summary>
    public LinuxErrno TimeoutSet { get; init; }

    /// <summary>What <see cref="ConfigfsClient.AddKey"/> (<c>mkdir</c>, then <c>printf %s &lt;desc&gt; &gt; description</c>) returned; null when the lookup failed first.</summary>
    public ConfigfsResult? Result { get; init; }

    /// <summary>Whether the key was found and the item created.</summary>
    public bool Succeeded => LogonKeyLookup == LinuxErrno.None && Result is { Succeeded: true };
}
