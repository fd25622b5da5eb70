using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>The code and the fixed English message of each <see cref="DeviceTreeError"/>; no message ever quotes the input.</summary>
public static class DeviceTreeErrors
{
    /// <summary>Stable text code of <paramref name="error"/>: <c>CDC</c> and its number, e.g. <c>CDC224</c> for <see cref="DeviceTreeError.PropertyMissing"/>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The code; <c>CDC000</c> for <see cref="DeviceTreeError.None"/>.</returns>
    public static string GetCode(DeviceTreeError error) => ProblemCode.Format((int)error);

    /// <summary>The message for a device-tree error.</summary>
    /// <param name="error">The error.</param>
    /// <returns>One sentence without a final period; "unknown error" for an undefined value.</returns>
    public static string GetMessage(DeviceTreeError error) => error switch
    {
        DeviceTreeError.None => "no error",
        DeviceTreeError.TruncatedHeader => "too short for a device tree header",
        DeviceTreeError.BadMagic => "not a flattened device tree (bad magic)",
        DeviceTreeError.UnsupportedVersion => "unsupported device tree version (need version 16 or later, last compatible version 17 or earlier)",
        DeviceTreeError.TotalSizeTooSmall => "totalsize is smaller than the header",
        DeviceTreeError.TotalSizeBeyondBuffer => "totalsize is larger than the data",
        DeviceTreeError.BlockOutOfRange => "a block lies inside the header or past totalsize",
        DeviceTreeError.BlockMisaligned => "the structure block is not 4-byte aligned or the memory reservation map not 8-byte aligned",
        DeviceTreeError.BlocksOverlap => "two blocks overlap",
        DeviceTreeError.ReservationMapUnterminated => "the memory reservation map has no terminating entry (one of size 0)",
        DeviceTreeError.StructureTruncated => "the structure block ends in the middle of a token",
        DeviceTreeError.UnknownToken => "unknown token in the structure block",
        DeviceTreeError.NodeNameUnterminated => "a node name is not NUL-terminated",
        DeviceTreeError.PropertyLengthOutOfRange => "a property's length runs past the structure block",
        DeviceTreeError.PropertyNameOutOfRange => "a property's name offset lies outside the strings block",
        DeviceTreeError.PropertyNameUnterminated => "a property's name is not NUL-terminated",
        DeviceTreeError.PropertyOutsideNode => "a property outside any node",
        DeviceTreeError.BadRootNode => "the structure block does not start with the root node, or holds a second one",
        DeviceTreeError.DepthUnderflow => "a node ends with no node open",
        DeviceTreeError.DepthOverflow => "nodes nested too deeply",
        DeviceTreeError.UnclosedNode => "the structure ends with a node still open",
        DeviceTreeError.MissingEnd => "the structure block has no FDT_END",
        DeviceTreeError.BadCellCount => "the root's #address-cells or #size-cells is not one cell of value 1 or 2",
        DeviceTreeError.ChosenMissing => "no /chosen node",
        DeviceTreeError.PropertyMissing => "no linux,dmcryptkeys property in /chosen before its first subnode",
        DeviceTreeError.BadPropertyLength => "linux,dmcryptkeys is neither an address nor an address and a size",
        DeviceTreeError.DuplicateProperty => "linux,dmcryptkeys, #address-cells or #size-cells appears twice (the kernel takes the first)",
        DeviceTreeError.AddressCellsMissing => "the root has no #address-cells: libfdt and the loader assume 2, the kernel's early FDT code 1",
        DeviceTreeError.AddressDoesNotFitCells => "the address, or the end of the range, does not fit one address cell",
        DeviceTreeError.SizeDoesNotFitCells => "the size does not fit one size cell",
        _ => "unknown error",
    };
}
