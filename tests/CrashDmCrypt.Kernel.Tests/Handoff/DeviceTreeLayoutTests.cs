using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// Where the header's blocks may lie and which header field a bad layout is reported at: blocks in any order,
/// touching or empty, version-16 headers, and where the memory reservation map ends. The blocks are BuildDtb's,
/// laid out anew by <see cref="Lay"/>.
/// </summary>
public class DeviceTreeLayoutTests
{
    private const int Header = FdtLayout.HeaderSize;
    private const int HeaderV16 = FdtLayout.HeaderSizeV16;
    private const int Entry = FdtLayout.ReservationEntrySize;

    // BuildDtb's layout: header, one reservation and the terminator, the structure block, the strings block.
    private static readonly DmCryptKeysRange Range = new() { Address = 0x7e001000, Size = 392 };
    private static readonly byte[] Built = DeviceTree.BuildDtb(Range.Address, Range.Size!.Value);
    private static readonly int BuiltStruct = Field(Built, FdtLayout.StructOffsetOffset);
    private static readonly byte[] Structure = Built[BuiltStruct..(BuiltStruct + Field(Built, FdtLayout.StructSizeOffset))];
    private static readonly byte[] Strings = Built[Field(Built, FdtLayout.StringsOffsetOffset)..Field(Built, FdtLayout.TotalSizeOffset)];

    // Ends of the blocks when the structure block starts right after a version-17 header and the strings follow it.
    private static readonly int StructEnd = Header + Structure.Length;
    private static readonly int StringsEnd = StructEnd + Strings.Length;
    private static readonly int MapAfterStrings = Align(StringsEnd, 8);

    // The map at the end, right after the structure block, which comes right after the (NUL-padded) strings block.
    private static readonly int ReverseMap = Align(Header + Strings.Length + Structure.Length, 8);

    // A structure block in front of the map, with size_dt_struct running to the map's end. It starts more than its
    // own size into the tree, so that an end computed as offset - size would not wrap around.
    private static readonly int StructBeforeMap = Align(Math.Max(Header + Strings.Length, Structure.Length + (2 * Entry)), 8);
    private static readonly int MapAfterStruct = Align(StructBeforeMap + Structure.Length, 8);

    public static TheoryData<string> ValidLayoutNames => [.. ValidLayouts.Keys];

    private static readonly Dictionary<string, Func<byte[]>> ValidLayouts = new()
    {
        // fdt_header_size is 36 for version 16 (FDT_V16_SIZE) and fdt_check_header checks only off_dt_struct
        // (check_off_) before version 17: the word at 36 is the structure block's first token, not a size.
        ["version 16: the structure block right after the 36-byte header"] = () =>
            Lay(16, Align(HeaderV16 + Structure.Length + Strings.Length, 8) + Entry, map: Align(HeaderV16 + Structure.Length + Strings.Length, 8), structure: HeaderV16, strings: HeaderV16 + Structure.Length),

        // With no size_dt_struct the structure block runs to totalsize when the strings block does not follow it
        // (fdt_offset_ptr bounds a version-16 structure only by totalsize).
        ["version 16: the strings block before the structure block"] = () =>
            Lay(16, Align(Header + Entry + Strings.Length, 4) + Structure.Length, map: Header, structure: Align(Header + Entry + Strings.Length, 4), strings: Header + Entry),

        // fdt_mem_rsv (fdt_ro.c) takes an entry that ends exactly at totalsize.
        ["the reservation map last, ending at totalsize"] = () =>
            Lay(17, MapAfterStrings + Entry, map: MapAfterStrings, structure: Header, strings: StructEnd),

        // Half-open ranges: a block that ends where the next one starts does not overlap it, in either order.
        ["strings, structure and map each touching the next"] = () =>
            Lay(17, ReverseMap + Entry, map: ReverseMap, structure: ReverseMap - Structure.Length, strings: Header, stringsSize: ReverseMap - Structure.Length - Header),
    };

    [Theory]
    [MemberData(nameof(ValidLayoutNames))]
    public void Blocks_in_any_order_or_touching_are_read(string name)
    {
        byte[] dtb = ValidLayouts[name]();
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(Range, range);
    }

    public static TheoryData<string> BadLayoutNames => [.. BadLayouts.Keys];

    // An overlap is reported at the offset field of the block that starts later; on a tie, at the second block's
    // (of the map and the structure, the structure's; of either and the strings block, the strings block's).
    private static readonly Dictionary<string, (Func<byte[]> Build, DeviceTreeError Error, int Offset)> BadLayouts = new()
    {
        ["version 16: strings past totalsize"] = (
            () => Put(V16(), FdtLayout.StringsOffsetOffset, (uint)Built.Length + 4),
            DeviceTreeError.BlockOutOfRange, FdtLayout.StringsOffsetOffset),

        // The structure block does not end at a strings block at its own offset: it runs to totalsize and overlaps it.
        ["version 16: strings at the structure's offset"] = (
            () => Put(V16(), FdtLayout.StringsOffsetOffset, (uint)BuiltStruct),
            DeviceTreeError.BlocksOverlap, FdtLayout.StringsOffsetOffset),

        // fdt_num_mem_rsv ends the map at an entry whose size is 0: (0, 0x10) is a reservation, and no whole
        // entry follows it before totalsize.
        ["a reservation at address 0 with no terminator before totalsize"] = (
            () => Lay(17, MapAfterStrings + Entry, map: MapAfterStrings, structure: Header, strings: StructEnd, reservations: [(0, 0x10)]),
            DeviceTreeError.ReservationMapUnterminated, MapAfterStrings),

        ["size_dt_struct runs over the map after the structure"] = (
            () => Lay(17, MapAfterStruct + Entry, map: MapAfterStruct, structure: StructBeforeMap, strings: Header, structSize: MapAfterStruct + Entry - StructBeforeMap),
            DeviceTreeError.BlocksOverlap, FdtLayout.ReservationMapOffsetOffset),

        ["the map and the structure at one offset"] = (
            () => Lay(17, StringsEnd, map: Header, structure: Header, strings: StructEnd),
            DeviceTreeError.BlocksOverlap, FdtLayout.StructOffsetOffset),

        ["size_dt_strings runs over the map after the strings"] = (
            () => Lay(17, MapAfterStrings + Entry, map: MapAfterStrings, structure: Header, strings: StructEnd, stringsSize: MapAfterStrings + Entry - StructEnd),
            DeviceTreeError.BlocksOverlap, FdtLayout.ReservationMapOffsetOffset),

        ["the strings start inside the map's terminator"] = (
            () => Lay(17, Header + Entry + Structure.Length, map: Header, structure: Header + Entry, strings: Header + 8, stringsSize: 8),
            DeviceTreeError.BlocksOverlap, FdtLayout.StringsOffsetOffset),

        ["the map and the strings at one offset"] = (
            () => Lay(17, Header + Entry + Structure.Length, map: Header, structure: Header + Entry, strings: Header, stringsSize: Entry),
            DeviceTreeError.BlocksOverlap, FdtLayout.StringsOffsetOffset),

        ["the structure starts inside the strings"] = (
            () => Lay(17, Header + Entry + 4 + Structure.Length, map: Header, structure: Header + Entry + 4, strings: Header + Entry, stringsSize: 8),
            DeviceTreeError.BlocksOverlap, FdtLayout.StructOffsetOffset),

        // An empty block overlaps nothing, even inside another: the walk finds no FDT_END in an empty structure ...
        ["an empty structure inside the strings"] = (
            () => Lay(17, Header + Entry + Strings.Length, map: Header, structure: Header + Entry + 4, strings: Header + Entry, structSize: 0),
            DeviceTreeError.MissingEnd, Header + Entry + 4),

        // ... and the first property's name is outside an empty strings block.
        ["an empty strings block inside the structure"] = (
            () => Lay(17, Header + Entry + Structure.Length, map: Header, structure: Header + Entry, strings: Header + Entry + 4, stringsSize: 0),
            DeviceTreeError.PropertyNameOutOfRange, Header + Entry + 8),
    };

    [Theory]
    [MemberData(nameof(BadLayoutNames))]
    public void Bad_layouts_give_their_error_at_the_field_at_fault(string name)
    {
        (Func<byte[]> build, DeviceTreeError error, int offset) = BadLayouts[name];
        Assert.False(DeviceTree.TryReadDmCryptKeys(build(), out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = error, Offset = offset }, problem);
    }

    [Fact]
    public void The_map_ends_at_its_first_terminator_not_at_zero_padding_after_the_blocks()
    {
        // dtc -p pads a tree after its blocks. The padding holds more (0, 0) entries at the map's 16-byte steps;
        // the map ends at the first (fdt_num_mem_rsv), so it does not reach the structure block.
        byte[] dtb = [.. Built, .. new byte[3 * Entry]];
        Put(dtb, FdtLayout.TotalSizeOffset, (uint)dtb.Length);
        int lastStep = Header + (Entry * (((dtb.Length - Header) / Entry) - 1));
        Assert.True(lastStep >= Built.Length);
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(Range, range);
    }

    [Theory]
    [InlineData(0x1000UL, 0UL, true)]
    [InlineData(0UL, 0UL, true)]
    [InlineData(0x1000UL, 0x10UL, false)]
    public void An_entry_of_size_0_ends_the_map_whatever_its_address(ulong address, ulong size, bool ends)
    {
        // fdt_num_mem_rsv stops at the first entry whose size is 0, and the kernel's early_init_fdt_scan_reserved_mem
        // stops at the same one: (0x1000, 0) ends the map as (0, 0) does. The tree has room for that one entry only.
        byte[] dtb = Lay(17, MapAfterStrings + Entry, map: MapAfterStrings, structure: Header, strings: StructEnd, reservations: [(address, size)]);
        bool read = DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem);
        Assert.Equal(ends, read);
        if (ends)
        {
            Assert.Equal(Range, range);
        }
        else
        {
            Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.ReservationMapUnterminated, Offset = MapAfterStrings }, problem);
        }
    }

    [Fact]
    public void A_name_at_a_strings_block_s_only_NUL_is_empty()
    {
        // fdt_get_string: the name at offset 0 of the one-byte block "\0" is "", terminated by that NUL. The tree is
        // read on, and misses /chosen.
        var builder = new FdtBuilder();
        builder.BeginNode(string.Empty);
        builder.AddProperty(string.Empty, []);
        builder.EndNode();
        byte[] dtb = builder.Finish();
        Assert.Equal(1, Field(dtb, FdtLayout.StringsSizeOffset));
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.ChosenMissing, Offset = Header + Entry }, problem);
    }

    // BuildDtb's tree as version 16 (its size_dt_struct is then padding).
    private static byte[] V16() => Put([.. Built], FdtLayout.VersionOffset, 16);

    // A tree of totalsize bytes: the header, the strings block, the structure block, then the map's entries and its
    // terminator, each written at its offset over what is there (the rest is zero). Sizes default to the blocks'
    // own; a version-16 header gets no size_dt_struct.
    private static byte[] Lay(
        uint version,
        int totalSize,
        int map,
        int structure,
        int strings,
        int? structSize = null,
        int? stringsSize = null,
        (ulong Address, ulong Size)[]? reservations = null)
    {
        byte[] dtb = FdtHeaders.Create(totalSize, map, structure, strings, version);
        Put(dtb, FdtLayout.StringsSizeOffset, (uint)(stringsSize ?? Strings.Length));
        if (version >= 17)
        {
            Put(dtb, FdtLayout.StructSizeOffset, (uint)(structSize ?? Structure.Length));
        }

        Strings.AsSpan(0, Math.Min(Strings.Length, totalSize - strings)).CopyTo(dtb.AsSpan(strings));
        Structure.AsSpan(0, Math.Min(Structure.Length, totalSize - structure)).CopyTo(dtb.AsSpan(structure));
        int entry = map;
        foreach ((ulong address, ulong size) in reservations ?? [])
        {
            BinaryPrimitives.WriteUInt64BigEndian(dtb.AsSpan(entry), address);
            BinaryPrimitives.WriteUInt64BigEndian(dtb.AsSpan(entry + 8), size);
            entry += Entry;
        }

        if (entry + Entry <= totalSize)
        {
            dtb.AsSpan(entry, Entry).Clear();
        }

        return dtb;
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static int Field(byte[] dtb, int offset) => (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(offset));

    private static byte[] Put(byte[] dtb, int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(offset), value);
        return dtb;
    }
}
