using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class DeviceTreeTests
{
    private const ulong Address = 0x7e001000;
    private const ulong Size = 392;

    // BuildDtb's layout: header (40), one reservation and the terminator (32), then the structure block.
    private const int StructOffset = 72;

    // In a tree from Tree(), the first property (the root's #address-cells) follows the root's token and empty name.
    private const int FirstPropertyLength = StructOffset + 12;
    private const int FirstPropertyNameOffset = StructOffset + 16;

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void Build_then_read_gives_back_the_range(int addressCells, int sizeCells)
    {
        byte[] dtb = DeviceTree.BuildDtb(Address, Size, addressCells, sizeCells);
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeError error), error.ToString());
        Assert.Equal(new DmCryptKeysRange(Address, Size), range);
        Assert.Equal(DeviceTreeError.None, error);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void Build_then_read_round_trips_random_ranges(int addressCells, int sizeCells)
    {
        var random = new Random(5 + addressCells + (10 * sizeCells));
        for (int i = 0; i < 300; i++)
        {
            ulong address = (ulong)random.NextInt64() >> random.Next(0, 63);
            ulong size = (ulong)random.NextInt64() >> random.Next(0, 63);
            if (addressCells == 1)
            {
                address &= uint.MaxValue;
            }

            if (sizeCells == 1)
            {
                size &= uint.MaxValue;
            }

            if (addressCells == 1)
            {
                size = Math.Min(size, (1UL << 32) - address);
            }

            byte[] dtb = DeviceTree.BuildDtb(address, size, addressCells, sizeCells, bootArgs: "console=ttyS0");
            Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeError error), error.ToString());
            Assert.Equal(new DmCryptKeysRange(address, size), range);
        }
    }

    [Fact]
    public void Built_tree_carries_a_reservation_for_the_range_and_the_boot_args()
    {
        byte[] dtb = DeviceTree.BuildDtb(Address, Size, bootArgs: "ro quiet");
        Assert.Equal(Address, BinaryPrimitives.ReadUInt64BigEndian(dtb.AsSpan(40)));
        Assert.Equal(Size, BinaryPrimitives.ReadUInt64BigEndian(dtb.AsSpan(48)));
        Assert.All(dtb.AsSpan(56, 16).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal((uint)dtb.Length, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(4)));
        Assert.True(dtb.AsSpan().IndexOf("ro quiet\0"u8) > StructOffset);
    }

    [Theory]
    [InlineData(1, 1, "12 34 56 78 00 00 01 88")]
    [InlineData(1, 2, "12 34 56 78 00 00 00 00 00 00 01 88")]
    [InlineData(2, 1, "00 00 00 00 12 34 56 78 00 00 01 88")]
    [InlineData(2, 2, "00 00 00 00 12 34 56 78 00 00 00 00 00 00 01 88")]
    public void Property_value_is_big_endian_cells(int addressCells, int sizeCells, string hex)
    {
        byte[] destination = new byte[20];
        int written = DeviceTree.WriteDmCryptKeysProperty(destination, 0x12345678, 0x188, addressCells, sizeCells);
        Assert.Equal(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), destination[..written]);
        Assert.Equal(DeviceTree.GetDmCryptKeysPropertyLength(addressCells, sizeCells), written);
    }

    [Theory]
    [InlineData(0xffffffffUL, 1UL, 1, 2, true)]
    [InlineData(0x100000000UL, 0UL, 1, 2, false)]
    [InlineData(0xfffff000UL, 0x1000UL, 1, 2, true)]
    [InlineData(0xfffff000UL, 0x1001UL, 1, 2, false)]
    [InlineData(0UL, 0xffffffffUL, 2, 1, true)]
    [InlineData(0UL, 0x100000000UL, 2, 1, false)]
    [InlineData(ulong.MaxValue, ulong.MaxValue, 2, 2, true)]
    public void Writer_applies_libfdt_range_checks(ulong address, ulong size, int addressCells, int sizeCells, bool accepted)
    {
        byte[] destination = new byte[16];
        if (accepted)
        {
            Assert.True(DeviceTree.WriteDmCryptKeysProperty(destination, address, size, addressCells, sizeCells) > 0);
        }
        else
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.WriteDmCryptKeysProperty(destination, address, size, addressCells, sizeCells));
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 3)]
    public void Writer_refuses_cell_counts_other_than_1_or_2(int addressCells, int sizeCells)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.WriteDmCryptKeysProperty(new byte[16], 1, 1, addressCells, sizeCells));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(1, 1, addressCells, sizeCells));
    }

    [Fact]
    public void Writer_refuses_a_small_destination()
    {
        Assert.Throws<ArgumentException>(() => DeviceTree.WriteDmCryptKeysProperty(new byte[15], 1, 1, 2, 2));
        Assert.Equal(16, DeviceTree.WriteDmCryptKeysProperty(new byte[16], 1, 1, 2, 2));
    }

    public static TheoryData<string> AcceptedCaseNames => [.. AcceptedCases.Keys];

    private static readonly Dictionary<string, (Func<byte[]> Build, DmCryptKeysRange Expected)> AcceptedCases = new()
    {
        ["address only (the kdump kernel reads no more)"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000))), new(Address, null)),
        ["root without cell counts: 2 address cells, 1 size cell"] = (() => Tree(addressCells: null, sizeCells: null, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188))), new(Address, Size)),
        ["chosen with a unit address"] = (() => Tree(chosenName: "chosen@0"), new(Address, Size)),
        ["the first chosen wins"] = (() => Tree(extra: b => { b.BeginNode("chosen@1"); b.AddProperty("linux,dmcryptkeys", Cells(0, 0x1000, 0, 0x188)); b.EndNode(); }, extraFirst: true), new(0x1000, Size)),
        ["NOPs anywhere"] = (() => Tree(chosen: b => { b.AddToken(4); b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188)); b.AddToken(4); }), new(Address, Size)),
        ["version 16 (no size_dt_struct)"] = (() => Patch(DeviceTree.BuildDtb(Address, Size), 20, 16), new(Address, Size)),
        ["last_comp_version 17"] = (() => Patch(DeviceTree.BuildDtb(Address, Size), 24, 17), new(Address, Size)),
        ["bytes after totalsize"] = (() => [.. DeviceTree.BuildDtb(Address, Size), 0xff, 0xff, 0xff], new(Address, Size)),
        ["64 levels of nodes"] = (() => Tree(extra: b => Nest(b, 63)), new(Address, Size)),
        ["the property in a deeper chosen is not /chosen's"] = (() => Tree(extra: b => { b.BeginNode("soc"); b.BeginNode("chosen"); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); b.EndNode(); b.EndNode(); }, extraFirst: true), new(Address, Size)),
        ["a name pointing at the last NUL of the strings block is empty, not outside"] = (() => PatchLastNameOffset(Tree(extra: b => b.AddProperty("zz", []))), new(Address, Size)),
        ["empty reservation map"] = (() => EmptyReservationMap(), new(Address, Size)),
    };

    [Theory]
    [MemberData(nameof(AcceptedCaseNames))]
    public void Valid_trees_are_read(string name)
    {
        (Func<byte[]> build, DmCryptKeysRange expected) = AcceptedCases[name];
        Assert.True(DeviceTree.TryReadDmCryptKeys(build(), out DmCryptKeysRange range, out DeviceTreeError error), error.ToString());
        Assert.Equal(expected, range);
    }

    public static TheoryData<string> HostileCaseNames => [.. HostileCases.Keys];

    private static readonly Dictionary<string, (Func<byte[]> Build, DeviceTreeError Expected)> HostileCases = new()
    {
        ["empty"] = (() => [], DeviceTreeError.TruncatedHeader),
        ["3 bytes"] = (() => [0xd0, 0x0d, 0xfe], DeviceTreeError.TruncatedHeader),
        ["bad magic"] = (() => Patch(Valid(), 0, 0xd00dfeee), DeviceTreeError.BadMagic),
        ["little-endian magic"] = (() => Patch(Valid(), 0, 0xedfe0dd0), DeviceTreeError.BadMagic),
        ["magic then nothing"] = (() => Valid()[..20], DeviceTreeError.TruncatedHeader),
        ["version 15"] = (() => Patch(Valid(), 20, 15), DeviceTreeError.UnsupportedVersion),
        ["last_comp_version 18"] = (() => Patch(Valid(), 24, 18), DeviceTreeError.UnsupportedVersion),
        ["39 bytes of a version 17 header"] = (() => Valid()[..39], DeviceTreeError.TruncatedHeader),
        ["totalsize below the header"] = (() => Patch(Valid(), 4, 39), DeviceTreeError.TotalSizeTooSmall),
        ["totalsize one past the buffer"] = (() => { byte[] d = Valid(); return Patch(d, 4, (uint)d.Length + 1); }, DeviceTreeError.TotalSizeBeyondBuffer),
        ["totalsize 0xffffffff"] = (() => Patch(Valid(), 4, uint.MaxValue), DeviceTreeError.TotalSizeBeyondBuffer),
        ["buffer cut one byte short"] = (() => Valid()[..^1], DeviceTreeError.TotalSizeBeyondBuffer),
        ["structure block inside the header"] = (() => Patch(Valid(), 8, 36), DeviceTreeError.BlockOutOfRange),
        ["structure block past totalsize"] = (() => Patch(Valid(), 36, uint.MaxValue), DeviceTreeError.BlockOutOfRange),
        ["version 16 with the structure block past totalsize"] = (() => Patch(Patch(Valid(), 20, 16), 8, 0xfffffff0), DeviceTreeError.BlockOutOfRange),
        ["version 16 with the structure block just past totalsize"] = (() => { byte[] d = Patch(Valid(), 20, 16); return Patch(d, 8, (uint)d.Length + 4); }, DeviceTreeError.BlockOutOfRange),
        ["strings offset 0xffffffff"] = (() => Patch(Valid(), 12, uint.MaxValue), DeviceTreeError.BlockOutOfRange),
        ["strings size one too many"] = (() => { byte[] d = Valid(); return Patch(d, 32, Word(d, 32) + 1); }, DeviceTreeError.BlockOutOfRange),
        ["reservation map past totalsize"] = (() => { byte[] d = Valid(); return Patch(d, 16, (uint)d.Length + 8); }, DeviceTreeError.BlockOutOfRange),
        ["misaligned structure block"] = (() => { byte[] d = Valid(); return Patch(Patch(d, 8, StructOffset + 2), 36, Word(d, 36) - 4); }, DeviceTreeError.BlockMisaligned),
        ["misaligned reservation map"] = (() => Patch(Valid(), 16, 44), DeviceTreeError.BlockMisaligned),
        ["structure overlaps the reservation map"] = (() => Patch(Valid(), 8, 48), DeviceTreeError.BlocksOverlap),
        ["strings overlap the structure"] = (() => Patch(Valid(), 12, StructOffset), DeviceTreeError.BlocksOverlap),
        ["reservation map without terminator"] = (() => Patch(Patch(Valid(), 60, 1), 68, 1), DeviceTreeError.ReservationMapUnterminated),
        ["no FDT_END"] = (() => Tree(appendEnd: false), DeviceTreeError.MissingEnd),
        ["structure cut before FDT_END"] = (() => { byte[] d = Valid(); return Patch(d, 36, Word(d, 36) - 4); }, DeviceTreeError.MissingEnd),
        ["structure cut inside FDT_END"] = (() => { byte[] d = Valid(); return Patch(d, 36, Word(d, 36) - 2); }, DeviceTreeError.StructureTruncated),
        ["unknown token"] = (() => Tree(extra: b => b.AddToken(7)), DeviceTreeError.UnknownToken),
        ["token 0"] = (() => Tree(extra: b => b.AddToken(0)), DeviceTreeError.UnknownToken),
        ["node name without NUL"] = (() => Raw(b => { b.AddToken(1); b.AddToken(0x61626364); }), DeviceTreeError.NodeNameUnterminated),
        ["node name padding past the block"] = (() => CutStructure(Raw(b => { b.AddToken(1); b.AddToken(0x61620000); }), 1), DeviceTreeError.StructureTruncated),
        ["property header past the block"] = (() => Raw(b => { b.BeginNode(""); b.AddToken(3); b.AddToken(0); }), DeviceTreeError.StructureTruncated),
        ["property length past the block"] = (() => Patch(Tree(), FirstPropertyLength, 0xfffffff0), DeviceTreeError.PropertyLengthOutOfRange),
        ["property length one past the block"] = (() => { byte[] d = Tree(); return Patch(d, FirstPropertyLength, Word(d, 36) - 20 + 1); }, DeviceTreeError.PropertyLengthOutOfRange),
        ["property name offset 0xffffffff"] = (() => Patch(Tree(), FirstPropertyNameOffset, uint.MaxValue), DeviceTreeError.PropertyNameOutOfRange),
        ["property name offset at the end of the strings"] = (() => { byte[] d = Tree(); return Patch(d, FirstPropertyNameOffset, Word(d, 32)); }, DeviceTreeError.PropertyNameOutOfRange),
        ["property name without NUL"] = (() => { byte[] d = Tree(); d[^1] = (byte)'x'; return d; }, DeviceTreeError.PropertyNameUnterminated),
        ["property outside any node"] = (() => Raw(b => { b.AddProperty("x", []); b.BeginNode(""); b.EndNode(); b.AddToken(9); }), DeviceTreeError.PropertyOutsideNode),
        ["structure starts with FDT_END"] = (() => Raw(b => b.AddToken(9)), DeviceTreeError.BadRootNode),
        ["two roots"] = (() => Raw(b => { b.BeginNode(""); b.EndNode(); b.BeginNode(""); b.EndNode(); b.AddToken(9); }), DeviceTreeError.BadRootNode),
        ["FDT_END_NODE with no node open"] = (() => Raw(b => { b.BeginNode(""); b.EndNode(); b.EndNode(); b.AddToken(9); }), DeviceTreeError.DepthUnderflow),
        ["65 levels of nodes"] = (() => Tree(extra: b => Nest(b, 64)), DeviceTreeError.DepthOverflow),
        ["root left open"] = (() => Raw(b => { b.BeginNode(""); b.BeginNode("chosen"); b.EndNode(); b.AddToken(9); }), DeviceTreeError.UnclosedNode),
        ["#address-cells 0"] = (() => Tree(addressCells: 0), DeviceTreeError.BadCellCount),
        ["#address-cells 3"] = (() => Tree(addressCells: 3), DeviceTreeError.BadCellCount),
        ["#size-cells 0"] = (() => Tree(sizeCells: 0), DeviceTreeError.BadCellCount),
        ["#size-cells 3"] = (() => Tree(sizeCells: 3), DeviceTreeError.BadCellCount),
        ["#address-cells of 8 bytes"] = (() => Tree(addressCells: null, extraRoot: b => b.AddProperty("#address-cells", Cells(0, 2))), DeviceTreeError.BadCellCount),
        ["#address-cells twice"] = (() => Tree(extraRoot: b => b.AddProperty("#address-cells", 2)), DeviceTreeError.DuplicateProperty),
        ["linux,dmcryptkeys twice"] = (() => Tree(chosen: b => { b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); }), DeviceTreeError.DuplicateProperty),
        ["no /chosen"] = (() => Tree(chosenName: "chosenx"), DeviceTreeError.ChosenMissing),
        ["/chosen without the property"] = (() => Tree(chosen: b => b.AddProperty("bootargs", "ro")), DeviceTreeError.PropertyMissing),
        ["property of 12 bytes with 2+2 cells"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 1))), DeviceTreeError.BadPropertyLength),
        ["property of 4 bytes with 2 address cells"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(1))), DeviceTreeError.BadPropertyLength),
        ["empty property"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", [])), DeviceTreeError.BadPropertyLength),
        ["two ranges appended"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1, 0, 2, 0, 1))), DeviceTreeError.BadPropertyLength),
    };

    [Theory]
    [MemberData(nameof(HostileCaseNames))]
    public void Hostile_trees_give_their_error(string name)
    {
        (Func<byte[]> build, DeviceTreeError expected) = HostileCases[name];
        Assert.False(DeviceTree.TryReadDmCryptKeys(build(), out DmCryptKeysRange range, out DeviceTreeError error));
        Assert.Equal(expected, error);
        Assert.Equal(default, range);
    }

    [Fact]
    public void Every_truncation_and_every_single_byte_change_gives_a_result_not_an_exception()
    {
        byte[] valid = DeviceTree.BuildDtb(Address, Size, 2, 2, bootArgs: "ro");
        for (int length = 0; length < valid.Length; length++)
        {
            Assert.False(DeviceTree.TryReadDmCryptKeys(valid.AsSpan(0, length), out _, out DeviceTreeError error));
            Assert.NotEqual(DeviceTreeError.None, error);
        }

        var random = new Random(42);
        byte[] mutated = new byte[valid.Length];
        for (int position = 0; position < valid.Length; position++)
        {
            foreach (byte value in new byte[] { 0x00, 0xff, 0x01, 0x80, (byte)random.Next(256) })
            {
                valid.CopyTo(mutated, 0);
                mutated[position] = value;
                bool ok = DeviceTree.TryReadDmCryptKeys(mutated, out _, out DeviceTreeError error);
                Assert.Equal(ok, error == DeviceTreeError.None);
                Assert.True(Enum.IsDefined(error));
            }
        }
    }

    [Fact]
    public void Random_header_and_token_words_give_a_result_not_an_exception()
    {
        byte[] valid = DeviceTree.BuildDtb(Address, Size, 2, 2, bootArgs: "ro");
        var random = new Random(1234);
        byte[] mutated = new byte[valid.Length + 8];
        for (int i = 0; i < 20000; i++)
        {
            valid.CopyTo(mutated, 0);
            mutated.AsSpan(valid.Length).Clear();
            int changes = random.Next(1, 5);
            for (int c = 0; c < changes; c++)
            {
                // Mostly header words (offsets, sizes, versions), sometimes any aligned word of the tree.
                int word = random.Next(4) == 0 ? random.Next(valid.Length / 4) : random.Next(10);
                uint value = random.Next(6) switch
                {
                    0 => 0,
                    1 => uint.MaxValue - (uint)random.Next(64),
                    2 => (uint)valid.Length + (uint)random.Next(-48, 48),
                    3 => (uint)random.Next(0, 20),
                    4 => 16 + (uint)random.Next(2),
                    _ => (uint)random.Next(),
                };
                Patch(mutated, word * 4, value);
            }

            int length = random.Next(2) == 0 ? valid.Length : random.Next(mutated.Length + 1);
            bool ok = DeviceTree.TryReadDmCryptKeys(mutated.AsSpan(0, length), out DmCryptKeysRange range, out DeviceTreeError error);
            Assert.Equal(ok, error == DeviceTreeError.None);
            Assert.True(ok || range == default);
        }
    }

    private static byte[] Valid() => DeviceTree.BuildDtb(Address, Size);

    // A tree like BuildDtb's, with hooks for the root's properties, /chosen's properties and extra nodes.
    private static byte[] Tree(
        uint? addressCells = 2,
        uint? sizeCells = 2,
        string chosenName = "chosen",
        Action<FdtBuilder>? chosen = null,
        Action<FdtBuilder>? extraRoot = null,
        Action<FdtBuilder>? extra = null,
        bool extraFirst = false,
        bool appendEnd = true)
    {
        var builder = new FdtBuilder();
        builder.AddReservation(Address, Size);
        builder.BeginNode("");
        if (addressCells is uint a)
        {
            builder.AddProperty("#address-cells", a);
        }

        if (sizeCells is uint s)
        {
            builder.AddProperty("#size-cells", s);
        }

        extraRoot?.Invoke(builder);
        if (extraFirst)
        {
            extra?.Invoke(builder);
        }

        builder.BeginNode(chosenName);
        (chosen ?? (b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188))))(builder);
        builder.EndNode();
        if (!extraFirst)
        {
            extra?.Invoke(builder);
        }

        builder.EndNode();
        return builder.Finish(appendEnd);
    }

    // A tree whose structure block is exactly what the callback writes.
    private static byte[] Raw(Action<FdtBuilder> body)
    {
        var builder = new FdtBuilder();
        body(builder);
        return builder.Finish(appendEnd: false);
    }

    private static void Nest(FdtBuilder builder, int levels)
    {
        for (int i = 0; i < levels; i++)
        {
            builder.BeginNode("n");
        }

        for (int i = 0; i < levels; i++)
        {
            builder.EndNode();
        }
    }

    private static byte[] Cells(params uint[] cells)
    {
        byte[] value = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(i * 4), cells[i]);
        }

        return value;
    }

    private static uint Word(byte[] dtb, int offset) => BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(offset));

    private static byte[] Patch(byte[] dtb, int offset, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(offset), value);
        return dtb;
    }

    private static byte[] CutStructure(byte[] dtb, int bytes) => Patch(dtb, 36, Word(dtb, 36) - (uint)bytes);

    // Points the last property ("zz", added after /chosen) at the strings block's final NUL.
    private static byte[] PatchLastNameOffset(byte[] dtb)
    {
        int zz = dtb.AsSpan(StructOffset).IndexOf(Cells(3, 0)) + StructOffset;
        return Patch(dtb, zz + 8, Word(dtb, 32) - 1);
    }

    private static byte[] EmptyReservationMap()
    {
        var builder = new FdtBuilder();
        builder.BeginNode("");
        builder.BeginNode("chosen");
        builder.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188));
        builder.EndNode();
        builder.EndNode();
        return builder.Finish();
    }
}
