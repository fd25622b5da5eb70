namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Every way a flattened device tree, or its <c>linux,dmcryptkeys</c> property, can be refused, and every value
/// the property writer cannot encode. The reader's checks run in this order (header, blocks, structure walk,
/// then the property). The numeric values are stable and are the problem codes (CDC201 for 201, see
/// <c>spec/ERRORS.md</c>); new members only ever get new numbers.
/// </summary>
public enum DeviceTreeError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Fewer bytes than the 40-byte header (36 bytes for version 16).</summary>
    TruncatedHeader = 201,

    /// <summary>The first word is not 0xd00dfeed.</summary>
    BadMagic = 202,

    /// <summary><c>version</c> below 16, or <c>last_comp_version</c> above 17 (libfdt's supported range).</summary>
    UnsupportedVersion = 203,

    /// <summary><c>totalsize</c> is smaller than the header.</summary>
    TotalSizeTooSmall = 204,

    /// <summary><c>totalsize</c> is larger than the buffer.</summary>
    TotalSizeBeyondBuffer = 205,

    /// <summary>A block (memory reservation map, structure or strings) starts inside the header or ends past <c>totalsize</c>.</summary>
    BlockOutOfRange = 206,

    /// <summary>The structure block is not 4-byte aligned, or the memory reservation map not 8-byte aligned.</summary>
    BlockMisaligned = 207,

    /// <summary>Two blocks overlap.</summary>
    BlocksOverlap = 208,

    /// <summary>The memory reservation map has no all-zero terminating entry before <c>totalsize</c>.</summary>
    ReservationMapUnterminated = 209,

    /// <summary>The structure block ends in the middle of a token, a node name or a property header.</summary>
    StructureTruncated = 210,

    /// <summary>A token other than FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP and FDT_END.</summary>
    UnknownToken = 211,

    /// <summary>A node name has no NUL before the structure block ends.</summary>
    NodeNameUnterminated = 212,

    /// <summary>A property's length runs past the structure block.</summary>
    PropertyLengthOutOfRange = 213,

    /// <summary>A property's <c>nameoff</c> lies outside the strings block.</summary>
    PropertyNameOutOfRange = 214,

    /// <summary>A property's name has no NUL before the strings block ends.</summary>
    PropertyNameUnterminated = 215,

    /// <summary>A property outside any node.</summary>
    PropertyOutsideNode = 216,

    /// <summary>
    /// The structure does not start with the root's FDT_BEGIN_NODE (not even FDT_NOP may come first: libfdt takes
    /// offset 0 as the root and finds no node otherwise), or a second root follows the first.
    /// </summary>
    BadRootNode = 217,

    /// <summary>FDT_END_NODE with no node open.</summary>
    DepthUnderflow = 218,

    /// <summary>Nodes nested deeper than <see cref="DeviceTree.MaxDepth"/>.</summary>
    DepthOverflow = 219,

    /// <summary>FDT_END while a node is still open.</summary>
    UnclosedNode = 220,

    /// <summary>The structure block ends without FDT_END.</summary>
    MissingEnd = 221,

    /// <summary>
    /// The root's <c>#address-cells</c> is not 1 or 2, or its <c>#size-cells</c> is not 1 or 2, or either is not one
    /// 4-byte cell (the kernel would read on with any count; nothing here reads more than two cells).
    /// </summary>
    BadCellCount = 222,

    /// <summary>No <c>/chosen</c> node.</summary>
    ChosenMissing = 223,

    /// <summary>
    /// <c>/chosen</c> has no <c>linux,dmcryptkeys</c> property before its first subnode (libfdt's <c>fdt_getprop</c>,
    /// and so the kernel, stops looking at the first subnode).
    /// </summary>
    PropertyMissing = 224,

    /// <summary>The property is neither an address (<c>#address-cells</c> cells) nor an address and a size.</summary>
    BadPropertyLength = 225,

    /// <summary>
    /// <c>linux,dmcryptkeys</c>, <c>#address-cells</c> or <c>#size-cells</c> appears twice among its node's properties
    /// (strict mode only: libfdt's <c>fdt_getprop</c>, and so the kernel, takes the first).
    /// </summary>
    DuplicateProperty = 226,

    /// <summary>
    /// The root has no <c>#address-cells</c> (strict mode only): libfdt's <c>fdt_address_cells</c>, and so the
    /// loader, assumes 2, while the kernel's early FDT code assumes 1, so the two read different addresses.
    /// </summary>
    AddressCellsMissing = 227,

    /// <summary>
    /// Writer: with one address cell, the address is above 0xffffffff or the range ends past 4 GiB
    /// (libfdt's <c>fdt_appendprop_addrrange</c> returns <c>-FDT_ERR_BADVALUE</c>).
    /// </summary>
    AddressDoesNotFitCells = 228,

    /// <summary>Writer: with one size cell, the size is above 0xffffffff (libfdt's <c>-FDT_ERR_BADVALUE</c>).</summary>
    SizeDoesNotFitCells = 229,
}
