namespace CrashDmCrypt.Simulation;

/// <summary>A loaded crash (kdump) kernel image: what the first kernel put in reserved memory and handed over.</summary>
/// <param name="ElfCoreHeader">Where the ELF core headers went (<c>elfcorehdr=</c>).</param>
/// <param name="DmCryptKeys">Where the blob went; <c>default</c> (size 0) when there were no key items.</param>
/// <param name="CommandLine">The kdump kernel's command line.</param>
/// <param name="DeviceTree">The kdump kernel's device tree with <c>/chosen/linux,dmcryptkeys</c>, with <see cref="KdumpHandoff.DeviceTree"/> and keys; else null.</param>
public sealed record CrashImage(MemoryRange ElfCoreHeader, MemoryRange DmCryptKeys, string CommandLine, byte[]? DeviceTree)
{
    /// <summary>Whether a blob was saved (<c>image-&gt;dm_crypt_keys_addr != 0</c>).</summary>
    public bool HasKeys => DmCryptKeys.Size != 0;
}
