namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>The <c>/chosen/linux,dmcryptkeys</c> property of a device tree, decoded.</summary>
/// <param name="Address">The blob's physical address, the only part the kdump kernel reads.</param>
/// <param name="Size">The blob's size when the property carries one (<c>fdt_appendprop_addrrange</c> writes it); <see langword="null"/> for an address-only property.</param>
public readonly record struct DmCryptKeysRange(ulong Address, ulong? Size);
