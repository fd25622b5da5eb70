namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Every way a flattened device tree, or its <c>linux,dmcryptkeys</c> property, can be refused.
/// Checks run in this order (header, blocks, structure walk, then the property). The numeric
/// values are stable; new members only ever get new numbers.
/// </summary>
public enum DeviceTreeError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>Fewer bytes than the 40-byte header (36 bytes for version 16).</summary>
    TruncatedHeader = 1,

    /// <summary>The first word is not 0xd00dfeed.</summary>
    BadMagic = 2,

    /// <summary><c>version</c> below 16, or <c>last_comp_version</c> above 17 (libfdt's supported range).</summary>
    UnsupportedVersion = 3,

    /// <summary><c>totalsize</c> is smaller than the header.</summary>
    TotalSizeTooSmall = 4,

    /// <summary><c>totalsize</c> is larger than the buffer.</summary>
    TotalSizeBeyondBuffer = 5,

    /// <summary>A block (memory reservation map, structure or strings) starts inside the header or ends past <c>totalsize</c>.</summary>
    BlockOutOfRange = 6,

    /// <summary>The structure block is not 4-byte aligned, or the memory reservation map not 8-byte aligned.</summary>
    BlockMisaligned = 7,

    /// <summary>Two blocks overlap.</summary>
    BlocksOverlap = 8,

    /// <summary>The memory reservation map has no all-zero terminating entry before <c>totalsize</c>.</summary>
    ReservationMapUnterminated = 9,

    /// <summary>The structure block ends in the middle of a token, a node name or a property header.</summary>
    StructureTruncated = 10,

    /// <summary>A token other than FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP and FDT_END.</summary>
    UnknownToken = 11,

    /// <summary>A node name has no NUL before the structure block ends.</summary>
    NodeNameUnterminated = 12,

    /// <summary>A property's length runs past the structure block.</summary>
    PropertyLengthOutOfRange = 13,

    /// <summary>A property's <c>nameoff</c> lies outside the strings block.</summary>
    PropertyNameOutOfRange = 14,

    /// <summary>A property's name has no NUL before the strings block ends.</summary>
    PropertyNameUnterminated = 15,

    /// <summary>A property outside any node.</summary>
    PropertyOutsideNode = 16,

    /// <summary>The structure does not start with the root's FDT_BEGIN_NODE, or a second root follows the first.</summary>
    BadRootNode = 17,

    /// <summary>FDT_END_NODE with no node open.</summary>
    DepthUnderflow = 18,

    /// <summary>Nodes nested deeper than <see cref="DeviceTree.MaxDepth"/>.</summary>
    DepthOverflow = 19,

    /// <summary>FDT_END while a node is still open.</summary>
    UnclosedNode = 20,

    /// <summary>The structure block ends without FDT_END.</summary>
    MissingEnd = 21,

    /// <summary>The root's <c>#address-cells</c> is not 1 or 2, or its <c>#size-cells</c> is not 1 or 2, or either is not one 4-byte cell.</summary>
    BadCellCount = 22,

    /// <summary>No <c>/chosen</c> node.</summary>
    ChosenMissing = 23,

    /// <summary><c>/chosen</c> has no <c>linux,dmcryptkeys</c> property.</summary>
    PropertyMissing = 24,

    /// <summary>The property is neither an address (<c>#address-cells</c> cells) nor an address and a size.</summary>
    BadPropertyLength = 25,

    /// <summary><c>linux,dmcryptkeys</c>, <c>#address-cells</c> or <c>#size-cells</c> appears twice in its node.</summary>
    DuplicateProperty = 26,
}
