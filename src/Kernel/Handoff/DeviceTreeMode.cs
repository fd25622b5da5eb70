namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>Which rule set <see cref="DeviceTree.TryReadDmCryptKeys(ReadOnlySpan{byte}, DeviceTreeMode, out DmCryptKeysRange, out DeviceTreeProblem)"/> applies.</summary>
public enum DeviceTreeMode
{
    /// <summary>
    /// The default: also refuse what makes the answer depend on the reader, a root without <c>#address-cells</c>
    /// (<see cref="DeviceTreeError.AddressCellsMissing"/>) and a property given twice
    /// (<see cref="DeviceTreeError.DuplicateProperty"/>).
    /// </summary>
    Strict = 0,

    /// <summary>
    /// The address the kdump kernel reads: a missing root <c>#address-cells</c> is 1, as in the kernel's
    /// <c>early_init_dt_scan_root</c>, and the first of two same-named properties wins, as in <c>fdt_getprop</c>.
    /// Cell counts other than one cell of 1 or 2 stay refused, where the kernel would read on.
    /// </summary>
    Kernel = 1,
}
