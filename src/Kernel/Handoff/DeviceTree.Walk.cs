namespace CrashDmCrypt.Kernel.Handoff;

// The token walk and the lookup: the root's cell counts and /chosen's property, with kernel mode's relaxations.
public static partial class DeviceTree
{
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
            // property reads on into the tree's next bytes. Those are in the tree: the walk ended at FDT_END with every
            // node closed, so /chosen's FDT_END_NODE, the root's and FDT_END (12 bytes) follow the value, more than
            // the 8 bytes of two address cells.
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
