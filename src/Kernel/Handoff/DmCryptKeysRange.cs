namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>The <c>/chosen/linux,dmcryptkeys</c> property of a device tree, decoded.</summary>
public readonly record struct DmCryptKeysRange
{
    /// <summary>The blob's physical address, the only part the kdump kernel reads.</summary>
    public ulong Address { get; init; }

    /// <summary>The blob's size when the property carries one (<c>fdt_appendprop_addrrange</c> writes it); <see langword="null"/> for an address-only property.</summary>
    public ulong? Size { get; init; }
}
