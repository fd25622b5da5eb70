using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Simulation;

/// <summary>A loaded crash (kdump) kernel image: what the first kernel put in reserved memory and handed over.</summary>
public sealed record CrashImage
{
    /// <summary>Where the ELF core headers went (<c>elfcorehdr=</c>).</summary>
    public required MemoryRange ElfCoreHeader { get; init; }

    /// <summary>Where the blob went; <c>default</c> (size 0) when there were no key items.</summary>
    public MemoryRange DmCryptKeys { get; init; }

    /// <summary>The kdump kernel's command line.</summary>
    public required string CommandLine { get; init; }

    /// <summary>The kdump kernel's device tree with <c>/chosen/linux,dmcryptkeys</c>, with <see cref="KdumpHandoff.DeviceTree"/> and keys; else null.</summary>
    public byte[]? DeviceTree { get; init; }

    /// <summary>Whether a blob was saved (<c>image-&gt;dm_crypt_keys_addr != 0</c>).</summary>
    public bool HasKeys => DmCryptKeys.Size != 0;

    /// <summary>Entries in the blob, from its size (<c>4 + 388 * total_keys</c>); 0 without a blob.</summary>
    public int KeyCount => HasKeys ? (int)((DmCryptKeys.Size - KeyBlobLayout.HeaderSize) / KeyBlobLayout.EntrySize) : 0;
}
