using System.Buffers.Binary;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The device-tree handoff of the blob's address (arm64, ppc64le, riscv): the <c>/chosen</c> property
/// <c>linux,dmcryptkeys</c> of a flattened device tree (as <c>/sys/firmware/fdt</c>), which the kexec
/// loader writes with <c>fdt_appendprop_addrrange</c> and the kdump kernel reads with the root's
/// <c>#address-cells</c>. Reading never allocates, never throws on hostile bytes, and walks the
/// structure block once, front to back, so it always ends.
/// </summary>
public static class DeviceTree
{
    /// <summary>Deepest node nesting the reader follows; deeper trees are refused.</summary>
    public const int MaxDepth = 64;

    /// <summary>The property's name in <c>/chosen</c>.</summary>
    public const string DmCryptKeysPropertyName = "linux,dmcryptkeys";

    /// <summary>
    /// <c>#address-cells</c> when the root has none: the Devicetree Specification's default, which libfdt's
    /// <c>fdt_address_cells</c> (and so the loader) uses. Linux's early FDT code assumes 1 instead
    /// (<c>OF_ROOT_NODE_ADDR_CELLS_DEFAULT</c>), so a root without the property is ambiguous; real trees always have it.
    /// </summary>
    public const int DefaultAddressCells = 2;

    /// <summary><c>#size-cells</c> when the root has none (the specification's and libfdt's default).</summary>
    public const int DefaultSizeCells = 1;

    private const int CellSize = 4;

    /// <summary>
    /// Validates a flattened device tree and reads <c>/chosen/linux,dmcryptkeys</c>. The header, the three
    /// blocks and every token are checked (see <see cref="DeviceTreeError"/> for the order) before the property
    /// is decoded. As in libfdt's path lookup, <c>/chosen</c> is the first child of the root named
    /// <c>chosen</c> or <c>chosen@</c>anything.
    /// </summary>
    /// <param name="dtb">The tree; it may be longer than its <c>totalsize</c>, and what follows is ignored.</param>
    /// <param name="range">The address, and the size when the property has one; <c>default</c> on failure.</param>
    /// <param name="error">The first failed check; <see cref="DeviceTreeError.None"/> on success.</param>
    /// <returns>Whether the property was found and decoded.</returns>
    public static bool TryReadDmCryptKeys(ReadOnlySpan<byte> dtb, out DmCryptKeysRange range, out DeviceTreeError error)
    {
        error = Read(dtb, out range);
        if (error != DeviceTreeError.None)
        {
            range = default;
            return false;
        }

        return true;
    }

    /// <summary>Length of the property value for the given root cell counts: an address then a size, 4 bytes a cell.</summary>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <returns>The length in bytes (8 to 16).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A cell count other than 1 or 2.</exception>
    public static int GetDmCryptKeysPropertyLength(int addressCells, int sizeCells)
    {
        CheckCells(addressCells, nameof(addressCells));
        CheckCells(sizeCells, nameof(sizeCells));
        return (addressCells + sizeCells) * CellSize;
    }

    /// <summary>
    /// Writes the property value as <c>fdt_appendprop_addrrange</c> does: the address in
    /// <paramref name="addressCells"/> big-endian cells, then the size in <paramref name="sizeCells"/> cells,
    /// with libfdt's range checks.
    /// </summary>
    /// <param name="destination">Where to write; at least <see cref="GetDmCryptKeysPropertyLength"/> bytes.</param>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A cell count other than 1 or 2; with one address cell, an address above 0xffffffff or a range ending past 4 GiB;
    /// with one size cell, a size above 0xffffffff (libfdt's <c>-FDT_ERR_BADVALUE</c>).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public static int WriteDmCryptKeysProperty(Span<byte> destination, ulong address, ulong size, int addressCells, int sizeCells)
    {
        int length = GetDmCryptKeysPropertyLength(addressCells, sizeCells);
        if (addressCells == 1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(address, uint.MaxValue);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(size, (1UL << 32) - address);
        }

        if (sizeCells == 1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(size, uint.MaxValue);
        }

        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes.", nameof(destination));
        }

        WriteCells(destination, address, addressCells);
        WriteCells(destination[(addressCells * CellSize)..], size, sizeCells);
        return length;
    }

    /// <summary>
    /// Builds a minimal valid DTB (version 17) as a kexec loader would hand it to the kdump kernel: a memory
    /// reservation entry for the range, a root node with <c>#address-cells</c> and <c>#size-cells</c>, and
    /// <c>/chosen</c> with <c>linux,dmcryptkeys</c> (and <c>bootargs</c> when given).
    /// </summary>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <param name="bootArgs">Optional <c>/chosen/bootargs</c> (the kernel command line), written as a NUL-terminated string.</param>
    /// <returns>The DTB, exactly <c>totalsize</c> bytes long.</returns>
    /// <exception cref="ArgumentOutOfRangeException">As for <see cref="WriteDmCryptKeysProperty"/>.</exception>
    public static byte[] BuildDtb(ulong address, ulong size, int addressCells = 2, int sizeCells = 2, string? bootArgs = null)
    {
        Span<byte> value = stackalloc byte[4 * CellSize];
        int length = WriteDmCryptKeysProperty(value, address, size, addressCells, sizeCells);
        var builder = new FdtBuilder();
        builder.AddReservation(address, size);
        builder.BeginNode(string.Empty);
        builder.AddProperty("#address-cells", (uint)addressCells);
        builder.AddProperty("#size-cells", (uint)sizeCells);
        builder.BeginNode("chosen");
        if (bootArgs is not null)
        {
            builder.AddProperty("bootargs", bootArgs);
        }

        builder.AddProperty(DmCryptKeysPropertyName, value[..length]);
        builder.EndNode();
        builder.EndNode();
        return builder.Finish();
    }

    private static DeviceTreeError Read(ReadOnlySpan<byte> dtb, out DmCryptKeysRange range)
    {
        range = default;
        DeviceTreeError error = CheckHeader(dtb, out Blocks blocks);
        if (error != DeviceTreeError.None)
        {
            return error;
        }

        ReadOnlySpan<byte> structure = dtb.Slice(blocks.StructOffset, blocks.StructSize);
        ReadOnlySpan<byte> strings = dtb.Slice(blocks.StringsOffset, blocks.StringsSize);
        error = Walk(structure, strings, out Found found);
        if (error != DeviceTreeError.None)
        {
            return error;
        }

        if (!TryCells(found.AddressCells, DefaultAddressCells, out int addressCells)
            || !TryCells(found.SizeCells, DefaultSizeCells, out int sizeCells))
        {
            return DeviceTreeError.BadCellCount;
        }

        if (!found.ChosenSeen)
        {
            return DeviceTreeError.ChosenMissing;
        }

        if (found.PropertyLength < 0)
        {
            return DeviceTreeError.PropertyMissing;
        }

        ReadOnlySpan<byte> value = structure.Slice(found.PropertyOffset, found.PropertyLength);
        int addressLength = addressCells * CellSize;

        // The kdump kernel reads only the address (dt_mem_next_cell with the root's address cells);
        // the loader's fdt_appendprop_addrrange also writes the size.
        if (value.Length == addressLength)
        {
            range = new DmCryptKeysRange(ReadCells(value, addressCells), null);
            return DeviceTreeError.None;
        }

        if (value.Length == addressLength + (sizeCells * CellSize))
        {
            range = new DmCryptKeysRange(ReadCells(value, addressCells), ReadCells(value[addressLength..], sizeCells));
            return DeviceTreeError.None;
        }

        return DeviceTreeError.BadPropertyLength;
    }

    // fdt_check_header: magic, version, then each block inside [header, totalsize); plus alignment and overlap.
    private static DeviceTreeError CheckHeader(ReadOnlySpan<byte> dtb, out Blocks blocks)
    {
        blocks = default;
        if (dtb.Length < FdtLayout.WordSize)
        {
            return DeviceTreeError.TruncatedHeader;
        }

        if (Word(dtb, FdtLayout.MagicOffset) != FdtLayout.Magic)
        {
            return DeviceTreeError.BadMagic;
        }

        if (dtb.Length < FdtLayout.VersionPrefixSize)
        {
            return DeviceTreeError.TruncatedHeader;
        }

        uint version = Word(dtb, FdtLayout.VersionOffset);
        if (version < FdtLayout.FirstSupportedVersion || Word(dtb, FdtLayout.LastCompatibleVersionOffset) > FdtLayout.LastSupportedVersion)
        {
            return DeviceTreeError.UnsupportedVersion;
        }

        bool hasStructSize = version >= 17;
        int headerSize = hasStructSize ? FdtLayout.HeaderSize : FdtLayout.HeaderSizeV16;
        if (dtb.Length < headerSize)
        {
            return DeviceTreeError.TruncatedHeader;
        }

        uint totalSize = Word(dtb, FdtLayout.TotalSizeOffset);
        if (totalSize < (uint)headerSize)
        {
            return DeviceTreeError.TotalSizeTooSmall;
        }

        if (totalSize > (uint)dtb.Length)
        {
            return DeviceTreeError.TotalSizeBeyondBuffer;
        }

        uint reservationOffset = Word(dtb, FdtLayout.ReservationMapOffsetOffset);
        uint structOffset = Word(dtb, FdtLayout.StructOffsetOffset);
        uint stringsOffset = Word(dtb, FdtLayout.StringsOffsetOffset);
        uint stringsSize = Word(dtb, FdtLayout.StringsSizeOffset);
        ulong structSize = hasStructSize
            ? Word(dtb, FdtLayout.StructSizeOffset)

            // Version 16 has no size_dt_struct: the block runs to the strings block if that follows it, else to the end.
            : (stringsOffset > structOffset && stringsOffset <= totalSize ? stringsOffset : totalSize) - (ulong)structOffset;
        if (!InBlock(reservationOffset, 0, headerSize, totalSize)
            || !InBlock(structOffset, structSize, headerSize, totalSize)
            || !InBlock(stringsOffset, stringsSize, headerSize, totalSize))
        {
            return DeviceTreeError.BlockOutOfRange;
        }

        if (structOffset % FdtLayout.WordSize != 0 || reservationOffset % FdtLayout.ReservationMapAlignment != 0)
        {
            return DeviceTreeError.BlockMisaligned;
        }

        // The map is as long as its entries up to and including the (0, 0) terminator.
        ulong reservationEnd = 0;
        for (ulong entry = reservationOffset; entry + FdtLayout.ReservationEntrySize <= totalSize; entry += FdtLayout.ReservationEntrySize)
        {
            ReadOnlySpan<byte> pair = dtb.Slice((int)entry, FdtLayout.ReservationEntrySize);
            if (BinaryPrimitives.ReadUInt64BigEndian(pair) == 0 && BinaryPrimitives.ReadUInt64BigEndian(pair[8..]) == 0)
            {
                reservationEnd = entry + FdtLayout.ReservationEntrySize;
                break;
            }
        }

        if (reservationEnd == 0)
        {
            return DeviceTreeError.ReservationMapUnterminated;
        }

        if (Overlap(reservationOffset, reservationEnd, structOffset, structOffset + structSize)
            || Overlap(reservationOffset, reservationEnd, stringsOffset, (ulong)stringsOffset + stringsSize)
            || Overlap(structOffset, structOffset + structSize, stringsOffset, (ulong)stringsOffset + stringsSize))
        {
            return DeviceTreeError.BlocksOverlap;
        }

        blocks = new Blocks((int)structOffset, (int)structSize, (int)stringsOffset, (int)stringsSize);
        return DeviceTreeError.None;
    }

    // One pass over the tokens. Every step moves forward by at least one word, so the walk ends.
    private static DeviceTreeError Walk(ReadOnlySpan<byte> structure, ReadOnlySpan<byte> strings, out Found found)
    {
        found = new Found { AddressCells = -1, SizeCells = -1, PropertyLength = -1 };
        int position = 0;
        int depth = 0;
        bool rootSeen = false;
        bool inChosen = false;
        while (true)
        {
            if (position == structure.Length)
            {
                return DeviceTreeError.MissingEnd;
            }

            if (structure.Length - position < FdtLayout.WordSize)
            {
                return DeviceTreeError.StructureTruncated;
            }

            uint token = Word(structure, position);
            position += FdtLayout.WordSize;
            switch (token)
            {
                case FdtLayout.TokenBeginNode:
                {
                    if (depth == 0 && rootSeen)
                    {
                        return DeviceTreeError.BadRootNode;
                    }

                    int nameLength = structure[position..].IndexOf((byte)0);
                    if (nameLength < 0)
                    {
                        return DeviceTreeError.NodeNameUnterminated;
                    }

                    ReadOnlySpan<byte> name = structure.Slice(position, nameLength);
                    long next = FdtLayout.AlignToWord((long)position + nameLength + 1);
                    if (next > structure.Length)
                    {
                        return DeviceTreeError.StructureTruncated;
                    }

                    position = (int)next;
                    if (++depth > MaxDepth)
                    {
                        return DeviceTreeError.DepthOverflow;
                    }

                    rootSeen = true;
                    if (depth == 2 && !found.ChosenSeen && IsChosen(name))
                    {
                        found.ChosenSeen = true;
                        inChosen = true;
                    }

                    break;
                }

                case FdtLayout.TokenEndNode:
                    if (depth == 0)
                    {
                        return DeviceTreeError.DepthUnderflow;
                    }

                    if (depth == 2)
                    {
                        inChosen = false;
                    }

                    depth--;
                    break;

                case FdtLayout.TokenProperty:
                {
                    if (structure.Length - position < FdtLayout.PropertyHeaderSize)
                    {
                        return DeviceTreeError.StructureTruncated;
                    }

                    uint length = Word(structure, position);
                    uint nameOffset = Word(structure, position + FdtLayout.WordSize);
                    position += FdtLayout.PropertyHeaderSize;
                    if (length > (uint)(structure.Length - position))
                    {
                        return DeviceTreeError.PropertyLengthOutOfRange;
                    }

                    int valueOffset = position;
                    long next = FdtLayout.AlignToWord((long)position + length);
                    if (next > structure.Length)
                    {
                        return DeviceTreeError.StructureTruncated;
                    }

                    position = (int)next;
                    if (depth == 0)
                    {
                        return DeviceTreeError.PropertyOutsideNode;
                    }

                    if (nameOffset >= (uint)strings.Length)
                    {
                        return DeviceTreeError.PropertyNameOutOfRange;
                    }

                    int nameLength = strings[(int)nameOffset..].IndexOf((byte)0);
                    if (nameLength < 0)
                    {
                        return DeviceTreeError.PropertyNameUnterminated;
                    }

                    ReadOnlySpan<byte> name = strings.Slice((int)nameOffset, nameLength);
                    DeviceTreeError error = Record(ref found, depth, inChosen, name, valueOffset, (int)length, structure);
                    if (error != DeviceTreeError.None)
                    {
                        return error;
                    }

                    break;
                }

                case FdtLayout.TokenNop:
                    break;

                case FdtLayout.TokenEnd:
                    if (!rootSeen)
                    {
                        return DeviceTreeError.BadRootNode;
                    }

                    return depth == 0 ? DeviceTreeError.None : DeviceTreeError.UnclosedNode;

                default:
                    return DeviceTreeError.UnknownToken;
            }
        }
    }

    // Keeps what the lookup needs: the root's cell counts and the first /chosen's property (as an offset, not a copy).
    private static DeviceTreeError Record(ref Found found, int depth, bool inChosen, ReadOnlySpan<byte> name, int valueOffset, int length, ReadOnlySpan<byte> structure)
    {
        if (depth == 1 && (name.SequenceEqual("#address-cells"u8) || name.SequenceEqual("#size-cells"u8)))
        {
            bool isAddress = name[1] == (byte)'a';
            ref int cells = ref isAddress ? ref found.AddressCells : ref found.SizeCells;
            if (cells != -1)
            {
                return DeviceTreeError.DuplicateProperty;
            }

            // Anything but one cell cannot be a count; keep it as an out-of-range value for the later check.
            cells = length == CellSize ? (int)Math.Min(Word(structure, valueOffset), int.MaxValue) : int.MaxValue;
        }
        else if (depth == 2 && inChosen && name.SequenceEqual("linux,dmcryptkeys"u8))
        {
            if (found.PropertyLength != -1)
            {
                return DeviceTreeError.DuplicateProperty;
            }

            found.PropertyOffset = valueOffset;
            found.PropertyLength = length;
        }

        return DeviceTreeError.None;
    }

    // fdt_path_offset("/chosen") compares a unit-address-free component with the name before any '@'.
    private static bool IsChosen(ReadOnlySpan<byte> name) =>
        name.StartsWith("chosen"u8) && (name.Length == 6 || name[6] == (byte)'@');

    private static bool TryCells(int recorded, int fallback, out int cells)
    {
        cells = recorded == -1 ? fallback : recorded;
        return cells is 1 or 2;
    }

    // Compared without adding, so no size can wrap the sum.
    private static bool InBlock(uint offset, ulong size, int headerSize, uint totalSize) =>
        offset >= (uint)headerSize && offset <= totalSize && size <= totalSize - offset;

    // Half-open ranges; an empty block overlaps nothing.
    private static bool Overlap(ulong start1, ulong end1, ulong start2, ulong end2) =>
        start1 < end1 && start2 < end2 && start1 < end2 && start2 < end1;

    private static uint Word(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);

    private static ulong ReadCells(ReadOnlySpan<byte> value, int cells) =>
        cells == 1 ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt64BigEndian(value);

    private static void WriteCells(Span<byte> destination, ulong value, int cells)
    {
        if (cells == 1)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, value);
        }
    }

    private static void CheckCells(int cells, string paramName)
    {
        if (cells is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(paramName, cells, "A cell count must be 1 or 2.");
        }
    }

    private readonly record struct Blocks(int StructOffset, int StructSize, int StringsOffset, int StringsSize);

    private struct Found
    {
        public int AddressCells;
        public int SizeCells;
        public bool ChosenSeen;
        public int PropertyOffset;
        public int PropertyLength;
    }
}
