using System.Buffers;
using System.Buffers.Binary;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The device-tree handoff of the blob's address (arm64 and ppc64, drivers/of/kexec.c:426-441): the <c>/chosen</c> property
/// <c>linux,dmcryptkeys</c> of a flattened device tree (as <c>/sys/firmware/fdt</c>), which the kexec
/// loader writes with <c>fdt_appendprop_addrrange</c> and the kdump kernel reads with the root's
/// <c>#address-cells</c>. Reading never allocates, never throws on hostile bytes, and walks the
/// tree once, front to back, in time linear in its size. It sees what libfdt's lookups see: the first
/// <c>chosen</c> child of the root, and only the properties before a node's first subnode.
/// </summary>
/// <remarks>
/// Readers return <see langword="false"/> with a <see cref="DeviceTreeProblem"/> for bad input; writers into a
/// caller's buffer return an <see cref="OperationStatus"/>; only caller bugs (a cell count other than 1 or 2, an
/// undefined mode) throw.
/// </remarks>
public static class DeviceTree
{
    /// <summary>Deepest node nesting the reader follows; deeper trees are refused.</summary>
    public const int MaxDepth = 64;

    /// <summary>The property's name in <c>/chosen</c>.</summary>
    public const string DmCryptKeysPropertyName = "linux,dmcryptkeys";

    /// <summary>
    /// <c>#address-cells</c> of a root without one as libfdt's <c>fdt_address_cells</c> (and so the loader's
    /// <c>fdt_appendprop_addrrange</c>) and the Devicetree Specification (2.3.5) assume.
    /// </summary>
    public const int LibfdtDefaultAddressCells = 2;

    /// <summary>
    /// <c>#address-cells</c> of a root without one as the kdump kernel reads it: <c>early_init_dt_scan_root</c>
    /// (drivers/of/fdt.c) starts <c>dt_root_addr_cells</c> at <c>OF_ROOT_NODE_ADDR_CELLS_DEFAULT</c>, which is 1
    /// on every architecture but SPARC (drivers/of/of_private.h). Strict mode refuses such a tree
    /// (<see cref="DeviceTreeError.AddressCellsMissing"/>); <see cref="DeviceTreeMode.Kernel"/> uses this value.
    /// </summary>
    public const int KernelDefaultAddressCells = 1;

    /// <summary><c>#size-cells</c> of a root without one: 1 for libfdt's <c>fdt_size_cells</c>, the specification and the kernel alike.</summary>
    public const int DefaultSizeCells = 1;

    private const int CellSize = FdtLayout.WordSize;

    // Found's token offset of a property or node not seen (real offsets are never negative).
    private const int NotSeen = -1;

    // BlockOutOfRangeField's answer when no header field is at fault (fields lie at offsets 4 to 36).
    private const int NoField = -1;

    // Names as fdt_getprop compares them: the bytes, then the NUL that ends the name in the strings block.
    private static ReadOnlySpan<byte> AddressCellsName => "#address-cells\0"u8;

    private static ReadOnlySpan<byte> SizeCellsName => "#size-cells\0"u8;

    private static ReadOnlySpan<byte> DmCryptKeysName => "linux,dmcryptkeys\0"u8;

    /// <summary>
    /// Validates a flattened device tree and reads <c>/chosen/linux,dmcryptkeys</c> in strict mode
    /// (<see cref="DeviceTreeMode.Strict"/>).
    /// </summary>
    /// <param name="dtb">The tree; it may be longer than its <c>totalsize</c>, and what follows is ignored.</param>
    /// <param name="range">The address, and the size when the property has one; <c>default</c> on failure.</param>
    /// <param name="problem">The first failed check and its offset; <c>default</c> (<see cref="DeviceTreeError.None"/>) on success.</param>
    /// <returns>Whether the property was found and decoded.</returns>
    public static bool TryReadDmCryptKeys(ReadOnlySpan<byte> dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem) =>
        TryReadDmCryptKeys(dtb, DeviceTreeMode.Strict, out range, out problem);

    /// <summary>
    /// Validates a flattened device tree and reads <c>/chosen/linux,dmcryptkeys</c>. The header, the three
    /// blocks and every token are checked (see <see cref="DeviceTreeError"/> for the order) before the property
    /// is decoded. As in libfdt's path lookup, <c>/chosen</c> is the first child of the root named
    /// <c>chosen</c> or <c>chosen@</c>anything; as in <c>fdt_getprop</c>, a node's properties end at its first
    /// subnode, so a <c>linux,dmcryptkeys</c>, <c>#address-cells</c> or <c>#size-cells</c> after one does not count.
    /// </summary>
    /// <param name="dtb">The tree; it may be longer than its <c>totalsize</c>, and what follows is ignored.</param>
    /// <param name="mode">The rule set: <see cref="DeviceTreeMode.Strict"/> or <see cref="DeviceTreeMode.Kernel"/>.</param>
    /// <param name="range">The address, and the size when the property has one; <c>default</c> on failure.</param>
    /// <param name="problem">The first failed check and its offset; <c>default</c> (<see cref="DeviceTreeError.None"/>) on success.</param>
    /// <returns>Whether the property was found and decoded.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static bool TryReadDmCryptKeys(ReadOnlySpan<byte> dtb, DeviceTreeMode mode, out DmCryptKeysRange range, out DeviceTreeProblem problem)
    {
        if (mode is not (DeviceTreeMode.Strict or DeviceTreeMode.Kernel))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Undefined device tree mode.");
        }

        var meter = default(NoDeviceTreeWorkMeter);
        return TryRead(dtb, mode, ref meter, out range, out problem);
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
    /// <param name="destination">Where to write; <see cref="GetDmCryptKeysPropertyLength"/> bytes are needed.</param>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <param name="bytesWritten">Bytes written; 0 unless the status is <see cref="OperationStatus.Done"/>.</param>
    /// <param name="problem">
    /// For <see cref="OperationStatus.InvalidData"/>, why (libfdt's <c>-FDT_ERR_BADVALUE</c>):
    /// <see cref="DeviceTreeError.AddressDoesNotFitCells"/> (offset 0) with one address cell and an address above
    /// 0xffffffff or a range ending past 4 GiB, or <see cref="DeviceTreeError.SizeDoesNotFitCells"/> (offset of the
    /// size cells) with one size cell and a size above 0xffffffff; otherwise <c>default</c>.
    /// </param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.InvalidData"/> when the values do not fit the
    /// cells (checked first: no buffer helps); <see cref="OperationStatus.DestinationTooSmall"/> when
    /// <paramref name="destination"/> is shorter than the value (nothing is written).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A cell count other than 1 or 2.</exception>
    public static OperationStatus WriteDmCryptKeysProperty(
        Span<byte> destination, ulong address, ulong size, int addressCells, int sizeCells, out int bytesWritten, out DeviceTreeProblem problem)
    {
        int length = GetDmCryptKeysPropertyLength(addressCells, sizeCells);
        bytesWritten = 0;
        problem = default;
        if (addressCells == 1 && (address > uint.MaxValue || size > (1UL << 32) - address))
        {
            problem = new DeviceTreeProblem { Error = DeviceTreeError.AddressDoesNotFitCells, Offset = 0 };
            return OperationStatus.InvalidData;
        }

        if (sizeCells == 1 && size > uint.MaxValue)
        {
            problem = new DeviceTreeProblem { Error = DeviceTreeError.SizeDoesNotFitCells, Offset = addressCells * CellSize };
            return OperationStatus.InvalidData;
        }

        if (destination.Length < length)
        {
            return OperationStatus.DestinationTooSmall;
        }

        WriteCells(destination, address, addressCells);
        WriteCells(destination[(addressCells * CellSize)..], size, sizeCells);
        bytesWritten = length;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Builds a minimal valid DTB (version 17) as a kexec loader would hand it to the kdump kernel: a memory
    /// reservation entry for the range, a root node with <c>#address-cells</c> and <c>#size-cells</c>, and
    /// <c>/chosen</c> with <c>linux,dmcryptkeys</c> (and <c>bootargs</c> when given). An allocating convenience
    /// for tests, fuzz seeds and the simulation (internal, shown to them): unlike the reader and
    /// <see cref="WriteDmCryptKeysProperty"/>, it throws.
    /// </summary>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <param name="bootArgs">Optional <c>/chosen/bootargs</c> (the kernel command line), written as a NUL-terminated string.</param>
    /// <returns>The DTB, exactly <c>totalsize</c> bytes long.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A cell count other than 1 or 2; or an address or size that does not fit its cells (where
    /// <see cref="WriteDmCryptKeysProperty"/> returns <see cref="OperationStatus.InvalidData"/>; the message carries the problem's code).
    /// </exception>
    internal static byte[] BuildDtb(ulong address, ulong size, int addressCells = 2, int sizeCells = 2, string? bootArgs = null)
    {
        Span<byte> value = stackalloc byte[4 * CellSize];
        OperationStatus status = WriteDmCryptKeysProperty(value, address, size, addressCells, sizeCells, out int length, out DeviceTreeProblem problem);
        if (status != OperationStatus.Done)
        {
            // The stack buffer fits every cell count, so only the values can be refused.
            throw new ArgumentOutOfRangeException(
                problem.Error == DeviceTreeError.SizeDoesNotFitCells ? nameof(size) : nameof(address), problem.ToString());
        }

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

    /// <summary>The reader, metered: <paramref name="meter"/> counts the bytes examined.</summary>
    internal static bool TryRead<TMeter>(ReadOnlySpan<byte> dtb, DeviceTreeMode mode, ref TMeter meter, out DmCryptKeysRange range, out DeviceTreeProblem problem)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        problem = Read(dtb, mode, ref meter, out range);
        if (problem.Error != DeviceTreeError.None)
        {
            range = default;
            return false;
        }

        return true;
    }

    private static DeviceTreeProblem Read<TMeter>(ReadOnlySpan<byte> dtb, DeviceTreeMode mode, ref TMeter meter, out DmCryptKeysRange range)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        range = default;
        DeviceTreeProblem problem = CheckHeader(dtb, ref meter, out Blocks blocks);
        if (problem.Error != DeviceTreeError.None)
        {
            return problem;
        }

        ReadOnlySpan<byte> structure = dtb.Slice(blocks.StructOffset, blocks.StructSize);
        ReadOnlySpan<byte> strings = dtb.Slice(blocks.StringsOffset, blocks.StringsSize);
        problem = Walk(structure, strings, blocks.StructOffset, mode, ref meter, out Found found);
        if (problem.Error != DeviceTreeError.None)
        {
            return problem;
        }

        if (found.ChosenToken == NotSeen)
        {
            // The root's FDT_BEGIN_NODE: the node that has no chosen child.
            return Fail(DeviceTreeError.ChosenMissing, blocks.StructOffset);
        }

        if (found.PropertyToken == NotSeen)
        {
            return Fail(DeviceTreeError.PropertyMissing, found.ChosenToken);
        }

        int addressCells;
        if (found.AddressCellsToken == NotSeen)
        {
            if (!AssumesKernelAddressCells(mode))
            {
                return Fail(DeviceTreeError.AddressCellsMissing, blocks.StructOffset);
            }

            addressCells = KernelDefaultAddressCells;
        }
        else if (found.AddressCells is 1 or 2)
        {
            addressCells = found.AddressCells;
        }
        else
        {
            return Fail(DeviceTreeError.BadCellCount, found.AddressCellsToken);
        }

        // early_init_dt_check_for_dmcryptkeys never consults #size-cells (drivers/of/fdt.c:856-873): kernel mode reports
        // a size only when one fits, and a bad #size-cells only in strict mode.
        bool kernel = mode == DeviceTreeMode.Kernel;
        int sizeCells = DefaultSizeCells;
        if (found.SizeCellsToken != NotSeen)
        {
            if (found.SizeCells is 1 or 2)
            {
                sizeCells = found.SizeCells;
            }
            else if (!kernel)
            {
                return Fail(DeviceTreeError.BadCellCount, found.SizeCellsToken);
            }
            else
            {
                sizeCells = 0;
            }
        }

        ReadOnlySpan<byte> value = dtb.Slice(found.PropertyValue, found.PropertyLength);
        int addressLength = addressCells * CellSize;
        // Stryker disable once all : work meter only; no result depends on it
        meter.Add(Math.Min(value.Length, 4 * CellSize));

        if (kernel)
        {
            // dt_mem_next_cell(dt_root_addr_cells, &prop) with no length check (drivers/of/fdt.c:866-870): a shorter
            // property reads on into the tree's next bytes. Past the end of the tree: named deviation D4 (FORMAT.md 9).
            if (dtb.Length - found.PropertyValue < addressLength)
            {
                return Fail(DeviceTreeError.BadPropertyLength, found.PropertyToken);
            }

            ulong? size = sizeCells != 0 && value.Length == addressLength + (sizeCells * CellSize) ? ReadCells(value[addressLength..], sizeCells) : null;
            range = new DmCryptKeysRange { Address = ReadCells(dtb.Slice(found.PropertyValue, addressLength), addressCells), Size = size };
            return default;
        }

        // The kdump kernel reads only the address (dt_mem_next_cell with the root's address cells);
        // the loader's fdt_appendprop_addrrange also writes the size.
        if (value.Length == addressLength)
        {
            range = new DmCryptKeysRange { Address = ReadCells(value, addressCells) };
            return default;
        }

        if (value.Length == addressLength + (sizeCells * CellSize))
        {
            range = new DmCryptKeysRange { Address = ReadCells(value, addressCells), Size = ReadCells(value[addressLength..], sizeCells) };
            return default;
        }

        return Fail(DeviceTreeError.BadPropertyLength, found.PropertyToken);
    }

    // fdt_check_header: magic, version, then each block inside [header, totalsize); plus alignment and overlap.
    // Offsets name the header field at fault (the offset field of a block, or its size field when only the size is wrong).
    private static DeviceTreeProblem CheckHeader<TMeter>(ReadOnlySpan<byte> dtb, ref TMeter meter, out Blocks blocks)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        blocks = default;
        if (dtb.Length < FdtLayout.WordSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        if (Word(dtb, FdtLayout.MagicOffset) != FdtLayout.Magic)
        {
            return Fail(DeviceTreeError.BadMagic, FdtLayout.MagicOffset);
        }

        if (dtb.Length < FdtLayout.VersionPrefixSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        uint version = Word(dtb, FdtLayout.VersionOffset);
        if (version < FdtLayout.FirstSupportedVersion)
        {
            return Fail(DeviceTreeError.UnsupportedVersion, FdtLayout.VersionOffset);
        }

        if (Word(dtb, FdtLayout.LastCompatibleVersionOffset) > FdtLayout.LastSupportedVersion)
        {
            return Fail(DeviceTreeError.UnsupportedVersion, FdtLayout.LastCompatibleVersionOffset);
        }

        bool hasStructSize = version >= 17;
        int headerSize = hasStructSize ? FdtLayout.HeaderSize : FdtLayout.HeaderSizeV16;
        if (dtb.Length < headerSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        // Stryker disable once all : work meter only; no result depends on it
        meter.Add(headerSize);
        uint totalSize = Word(dtb, FdtLayout.TotalSizeOffset);
        if (totalSize < (uint)headerSize)
        {
            return Fail(DeviceTreeError.TotalSizeTooSmall, FdtLayout.TotalSizeOffset);
        }

        if (totalSize > (uint)dtb.Length)
        {
            return Fail(DeviceTreeError.TotalSizeBeyondBuffer, FdtLayout.TotalSizeOffset);
        }

        uint reservationOffset = Word(dtb, FdtLayout.ReservationMapOffsetOffset);
        uint structOffset = Word(dtb, FdtLayout.StructOffsetOffset);
        uint stringsOffset = Word(dtb, FdtLayout.StringsOffsetOffset);
        uint stringsSize = Word(dtb, FdtLayout.StringsSizeOffset);
        ulong structSize = hasStructSize
            ? Word(dtb, FdtLayout.StructSizeOffset)

            // Version 16 has no size_dt_struct: the block runs to the strings block if that follows it, else to the end.
            : (stringsOffset > structOffset ? Math.Min(stringsOffset, totalSize) : totalSize) - (ulong)structOffset;
        int blockField = BlockOutOfRangeField(reservationOffset, 0, FdtLayout.ReservationMapOffsetOffset, FdtLayout.ReservationMapOffsetOffset, headerSize, totalSize);
        // Only a version-17 size_dt_struct can be at fault: a version-16 size ends at or before totalsize.
        if (blockField == NoField)
        {
            blockField = BlockOutOfRangeField(structOffset, structSize, FdtLayout.StructOffsetOffset, FdtLayout.StructSizeOffset, headerSize, totalSize);
        }

        if (blockField == NoField)
        {
            blockField = BlockOutOfRangeField(stringsOffset, stringsSize, FdtLayout.StringsOffsetOffset, FdtLayout.StringsSizeOffset, headerSize, totalSize);
        }

        if (blockField != NoField)
        {
            return Fail(DeviceTreeError.BlockOutOfRange, blockField);
        }

        if (structOffset % FdtLayout.WordSize != 0)
        {
            return Fail(DeviceTreeError.BlockMisaligned, FdtLayout.StructOffsetOffset);
        }

        if (reservationOffset % FdtLayout.ReservationMapAlignment != 0)
        {
            return Fail(DeviceTreeError.BlockMisaligned, FdtLayout.ReservationMapOffsetOffset);
        }

        // The map is as long as its entries up to and including the first whose size is 0: fdt_num_mem_rsv ends it
        // there, and so does the kernel's early_init_fdt_scan_reserved_mem, whatever the address (the specification's
        // terminator is (0, 0), which dtc writes).
        ulong reservationEnd = 0;
        for (ulong entry = reservationOffset; entry + FdtLayout.ReservationEntrySize <= totalSize; entry += FdtLayout.ReservationEntrySize)
        {
            ReadOnlySpan<byte> pair = dtb.Slice((int)entry, FdtLayout.ReservationEntrySize);
            // Stryker disable once all : work meter only; no result depends on it
            meter.Add(FdtLayout.ReservationEntrySize);
            if (BinaryPrimitives.ReadUInt64BigEndian(pair[FdtLayout.ReservationSizeOffset..]) == 0)
            {
                reservationEnd = entry + FdtLayout.ReservationEntrySize;
                break;
            }
        }

        if (reservationEnd == 0)
        {
            return Fail(DeviceTreeError.ReservationMapUnterminated, (int)reservationOffset);
        }

        // Each pair is reported at the header field of the block that starts later (of the second named, on a tie).
        if (Overlap(reservationOffset, reservationEnd, structOffset, structOffset + structSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, structOffset >= reservationOffset ? FdtLayout.StructOffsetOffset : FdtLayout.ReservationMapOffsetOffset);
        }

        if (Overlap(reservationOffset, reservationEnd, stringsOffset, (ulong)stringsOffset + stringsSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, stringsOffset >= reservationOffset ? FdtLayout.StringsOffsetOffset : FdtLayout.ReservationMapOffsetOffset);
        }

        if (Overlap(structOffset, structOffset + structSize, stringsOffset, (ulong)stringsOffset + stringsSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, stringsOffset >= structOffset ? FdtLayout.StringsOffsetOffset : FdtLayout.StructOffsetOffset);
        }

        blocks = new Blocks((int)structOffset, (int)structSize, (int)stringsOffset, (int)stringsSize);
        return default;
    }

    // One pass over the tokens. Every step moves forward by at least one word, so the walk ends; every byte is
    // examined a bounded number of times, so it is linear in the tree's size.
    private static DeviceTreeProblem Walk<TMeter>(ReadOnlySpan<byte> structure, ReadOnlySpan<byte> strings, int structBase, DeviceTreeMode mode, ref TMeter meter, out Found found)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        found = new Found { AddressCellsToken = NotSeen, SizeCellsToken = NotSeen, ChosenToken = NotSeen, PropertyToken = NotSeen };

        // A name at nameoff is NUL-terminated inside the block exactly when a NUL lies at or after nameoff, so the
        // last NUL of the block, found once, answers it for every property (no search per property).
        int lastNul = strings.LastIndexOf((byte)0);
        // Stryker disable once all : work meter only; no result depends on it
        meter.Add(lastNul < 0 ? strings.Length : strings.Length - lastNul);
        int position = 0;
        int depth = 0;
        bool rootSeen = false;

        // fdt_getprop (fdt_first_property_offset, fdt_next_property_offset) stops at the node's first
        // FDT_BEGIN_NODE: later properties exist in the bytes but not for libfdt or the kernel.
        // Stryker disable once Boolean : set when the root begins; before that a property fails as outside any node
        bool rootPropertiesOpen = false;
        bool chosenPropertiesOpen = false;
        while (true)
        {
            int token = structBase + position;
            if (position == structure.Length)
            {
                return Fail(DeviceTreeError.MissingEnd, token);
            }

            if (structure.Length - position < FdtLayout.WordSize)
            {
                return Fail(DeviceTreeError.StructureTruncated, token);
            }

            uint tag = Word(structure, position);
            // Stryker disable once all : work meter only; no result depends on it
            meter.Add(FdtLayout.WordSize);
            position += FdtLayout.WordSize;
            switch (tag)
            {
                case FdtLayout.TokenBeginNode:
                {
                    if (depth == 0 && rootSeen)
                    {
                        return Fail(DeviceTreeError.BadRootNode, token);
                    }

                    int nameLength = structure[position..].IndexOf((byte)0);
                    // Stryker disable once all : work meter only; no result depends on it
                    meter.Add(nameLength < 0 ? structure.Length - position : nameLength + 1);
                    if (nameLength < 0)
                    {
                        return Fail(DeviceTreeError.NodeNameUnterminated, token);
                    }

                    ReadOnlySpan<byte> name = structure.Slice(position, nameLength);
                    long next = FdtLayout.AlignToWord((long)position + nameLength + 1);
                    if (next > structure.Length)
                    {
                        return Fail(DeviceTreeError.StructureTruncated, token);
                    }

                    position = (int)next;
                    if (++depth > MaxDepth)
                    {
                        return Fail(DeviceTreeError.DepthOverflow, token);
                    }

                    if (depth == 1)
                    {
                        rootSeen = true;
                        rootPropertiesOpen = true;
                    }
                    else if (depth == 2)
                    {
                        if (found.ChosenToken == NotSeen && IsChosen(name))
                        {
                            found.ChosenToken = token;
                            chosenPropertiesOpen = true;
                        }
                    }
                    else if (depth == 3)
                    {
                        chosenPropertiesOpen = false;
                    }

                    break;
                }

                case FdtLayout.TokenEndNode:
                    if (depth == 0)
                    {
                        return Fail(DeviceTreeError.DepthUnderflow, token);
                    }

                    if (depth <= 2)
                    {
                        // The end of the root or of a root's child (the first chosen, if it is that one). While
                        // the child is open, depth is 2 and no root property is visible; after it, none is again.
                        rootPropertiesOpen = false;
                        chosenPropertiesOpen = false;
                    }

                    depth--;
                    break;

                case FdtLayout.TokenProperty:
                {
                    if (structure.Length - position < FdtLayout.PropertyHeaderSize)
                    {
                        return Fail(DeviceTreeError.StructureTruncated, token);
                    }

                    uint length = Word(structure, position);
                    uint nameOffset = Word(structure, position + FdtLayout.WordSize);
                    // Stryker disable once all : work meter only; no result depends on it
                    meter.Add(FdtLayout.PropertyHeaderSize);
                    position += FdtLayout.PropertyHeaderSize;
                    if (length > (uint)(structure.Length - position))
                    {
                        return Fail(DeviceTreeError.PropertyLengthOutOfRange, token);
                    }

                    int valueOffset = position;
                    long next = FdtLayout.AlignToWord((long)position + length);
                    if (next > structure.Length)
                    {
                        return Fail(DeviceTreeError.StructureTruncated, token);
                    }

                    position = (int)next;
                    if (depth == 0)
                    {
                        return Fail(DeviceTreeError.PropertyOutsideNode, token);
                    }

                    if (nameOffset >= (uint)strings.Length)
                    {
                        return Fail(DeviceTreeError.PropertyNameOutOfRange, token);
                    }

                    if (nameOffset > (uint)lastNul || lastNul < 0)
                    {
                        return Fail(DeviceTreeError.PropertyNameUnterminated, token);
                    }

                    bool visible = (depth == 1 && rootPropertiesOpen) || (depth == 2 && chosenPropertiesOpen);
                    if (visible)
                    {
                        var property = new Property(token, structBase + valueOffset, (int)length, strings[(int)nameOffset..]);
                        DeviceTreeError error = Record(ref found, ref meter, mode, depth, property, structure[valueOffset..]);
                        if (error != DeviceTreeError.None)
                        {
                            return Fail(error, token);
                        }
                    }

                    break;
                }

                case FdtLayout.TokenNop:
                    // libfdt takes offset 0 of the structure block as the root (fdt_path_offset); a NOP there hides
                    // every node from fdt_path_offset and fdt_getprop, and so from the kernel.
                    if (!rootSeen)
                    {
                        return Fail(DeviceTreeError.BadRootNode, token);
                    }

                    break;

                case FdtLayout.TokenEnd:
                    if (!rootSeen)
                    {
                        return Fail(DeviceTreeError.BadRootNode, token);
                    }

                    return depth == 0 ? default : Fail(DeviceTreeError.UnclosedNode, token);

                default:
                    return Fail(DeviceTreeError.UnknownToken, token);
            }
        }
    }

    // Keeps what the lookup needs: the root's cell counts and /chosen's property (as offsets, not copies).
    // Strict mode refuses a second visible property of the same name; kernel mode keeps the first, as fdt_getprop does.
    private static DeviceTreeError Record<TMeter>(ref Found found, ref TMeter meter, DeviceTreeMode mode, int depth, in Property property, ReadOnlySpan<byte> value)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        if (depth == 1)
        {
            bool isAddress = NameIs(property.Name, AddressCellsName, ref meter);
            if (!isAddress && !NameIs(property.Name, SizeCellsName, ref meter))
            {
                return DeviceTreeError.None;
            }

            ref int cellsToken = ref isAddress ? ref found.AddressCellsToken : ref found.SizeCellsToken;
            if (cellsToken != NotSeen)
            {
                return TakesFirstOfDuplicates(mode) ? DeviceTreeError.None : DeviceTreeError.DuplicateProperty;
            }

            // Anything but one cell cannot be a count; keep it as an out-of-range value for the later check.
            // Stryker disable once all : work meter only; no result depends on it
            meter.Add(Math.Min(property.Length, CellSize));
            cellsToken = property.Token;
            (isAddress ? ref found.AddressCells : ref found.SizeCells) =
                property.Length == CellSize ? (int)Math.Min(Word(value, 0), int.MaxValue) : int.MaxValue;
        }
        else if (NameIs(property.Name, DmCryptKeysName, ref meter))
        {
            if (found.PropertyToken != NotSeen)
            {
                return TakesFirstOfDuplicates(mode) ? DeviceTreeError.None : DeviceTreeError.DuplicateProperty;
            }

            found.PropertyToken = property.Token;
            found.PropertyValue = property.Value;
            found.PropertyLength = property.Length;
        }

        return DeviceTreeError.None;
    }

    // The kernel mode relaxations, one predicate each.
    // early_init_dt_scan_root (drivers/of/fdt.c): dt_root_addr_cells starts at OF_ROOT_NODE_ADDR_CELLS_DEFAULT, 1.
    private static bool AssumesKernelAddressCells(DeviceTreeMode mode) => mode == DeviceTreeMode.Kernel;

    // fdt_getprop (libfdt fdt_ro.c, fdt_get_property_namelen_) returns the first property of the name.
    private static bool TakesFirstOfDuplicates(DeviceTreeMode mode) => mode == DeviceTreeMode.Kernel;

    // fdt_string_eq_: the name at nameoff equals the wanted one, NUL included. Only that many bytes are compared.
    private static bool NameIs<TMeter>(ReadOnlySpan<byte> name, ReadOnlySpan<byte> wantedWithNul, ref TMeter meter)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        // Stryker disable once all : work meter only; no result depends on it
        meter.Add(Math.Min(name.Length, wantedWithNul.Length));
        return name.StartsWith(wantedWithNul);
    }

    // fdt_path_offset("/chosen") compares a unit-address-free component with the name before any '@'.
    private static bool IsChosen(ReadOnlySpan<byte> name) =>
        name.StartsWith("chosen"u8) && (name.Length == 6 || name[6] == (byte)'@');

    // Compared without adding, so no size can wrap the sum. Returns the header field at fault, or NoField.
    private static int BlockOutOfRangeField(uint offset, ulong size, int offsetField, int sizeField, int headerSize, uint totalSize) =>
        offset < (uint)headerSize || offset > totalSize ? offsetField
        : size > totalSize - offset ? sizeField
        : NoField;

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

    private static DeviceTreeProblem Fail(DeviceTreeError error, int offset) => new() { Error = error, Offset = offset };

    private readonly record struct Blocks(int StructOffset, int StructSize, int StringsOffset, int StringsSize);

    // One FDT_PROP: offsets from the DTB's first byte, and the strings block from the property's nameoff on.
    private readonly ref struct Property(int token, int value, int length, ReadOnlySpan<byte> name)
    {
        public int Token { get; } = token;

        public int Value { get; } = value;

        public int Length { get; } = length;

        public ReadOnlySpan<byte> Name { get; } = name;
    }

    // Offsets from the DTB's first byte; a token offset of NotSeen means not seen.
    private struct Found
    {
        public int AddressCells;
        public int AddressCellsToken;
        public int SizeCells;
        public int SizeCellsToken;
        public int ChosenToken;
        public int PropertyToken;
        public int PropertyValue;
        public int PropertyLength;
    }
}
