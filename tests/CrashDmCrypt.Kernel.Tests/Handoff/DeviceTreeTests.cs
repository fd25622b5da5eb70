using System.Buffers;
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
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(Range(Address, Size), range);
        Assert.Equal(default, problem);
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, DeviceTreeMode.Kernel, out DmCryptKeysRange kernel, out _));
        Assert.Equal(range, kernel);
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
            Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
            Assert.Equal(Range(address, size), range);
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
        OperationStatus status = DeviceTree.WriteDmCryptKeysProperty(destination, 0x12345678, 0x188, addressCells, sizeCells, out int written, out DeviceTreeProblem problem);
        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(default, problem);
        Assert.Equal(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), destination[..written]);
        Assert.Equal(DeviceTree.GetDmCryptKeysPropertyLength(addressCells, sizeCells), written);
    }

    [Theory]
    [InlineData(0xffffffffUL, 1UL, 1, 2, DeviceTreeError.None, 0)]
    [InlineData(0x100000000UL, 0UL, 1, 2, DeviceTreeError.AddressDoesNotFitCells, 0)]
    [InlineData(0xfffff000UL, 0x1000UL, 1, 2, DeviceTreeError.None, 0)]
    [InlineData(0xfffff000UL, 0x1001UL, 1, 2, DeviceTreeError.AddressDoesNotFitCells, 0)]
    [InlineData(0UL, 0xffffffffUL, 2, 1, DeviceTreeError.None, 0)]
    [InlineData(0UL, 0x100000000UL, 2, 1, DeviceTreeError.SizeDoesNotFitCells, 8)]
    [InlineData(0UL, 0x100000000UL, 1, 1, DeviceTreeError.SizeDoesNotFitCells, 4)]
    [InlineData(1UL, 0x100000000UL, 1, 1, DeviceTreeError.AddressDoesNotFitCells, 0)]
    [InlineData(1UL, 0x100000000UL, 2, 1, DeviceTreeError.SizeDoesNotFitCells, 8)]
    [InlineData(ulong.MaxValue, ulong.MaxValue, 2, 2, DeviceTreeError.None, 0)]
    public void Writer_applies_libfdt_range_checks_as_invalid_data(ulong address, ulong size, int addressCells, int sizeCells, DeviceTreeError expected, int offset)
    {
        byte[] destination = new byte[16];
        OperationStatus status = DeviceTree.WriteDmCryptKeysProperty(destination, address, size, addressCells, sizeCells, out int written, out DeviceTreeProblem problem);
        Assert.Equal(expected == DeviceTreeError.None ? OperationStatus.Done : OperationStatus.InvalidData, status);
        Assert.Equal(expected, problem.Error);
        Assert.Equal(offset, problem.Offset);
        if (expected != DeviceTreeError.None)
        {
            Assert.Equal(0, written);
            Assert.All(destination, b => Assert.Equal(0, b));
            Assert.StartsWith(problem.Code + " at offset", Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(address, size, addressCells, sizeCells)).Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 3)]
    [InlineData(-1, 2)]
    public void Cell_counts_other_than_1_or_2_are_caller_bugs(int addressCells, int sizeCells)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.WriteDmCryptKeysProperty(new byte[16], 1, 1, addressCells, sizeCells, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(1, 1, addressCells, sizeCells));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.GetDmCryptKeysPropertyLength(addressCells, sizeCells));
    }

    [Fact]
    public void A_short_destination_is_a_status_and_nothing_is_written()
    {
        byte[] destination = new byte[15];
        Assert.Equal(OperationStatus.DestinationTooSmall, DeviceTree.WriteDmCryptKeysProperty(destination, 1, 1, 2, 2, out int written, out DeviceTreeProblem problem));
        Assert.Equal(0, written);
        Assert.Equal(default, problem);
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Equal(OperationStatus.DestinationTooSmall, DeviceTree.WriteDmCryptKeysProperty([], 1, 1, 1, 1, out _, out _));
        Assert.Equal(OperationStatus.Done, DeviceTree.WriteDmCryptKeysProperty(new byte[16], 1, 1, 2, 2, out written, out _));
        Assert.Equal(16, written);
    }

    [Fact]
    public void Values_that_do_not_fit_are_reported_before_a_short_destination()
    {
        Assert.Equal(OperationStatus.InvalidData, DeviceTree.WriteDmCryptKeysProperty([], 1UL << 32, 1, 1, 1, out _, out DeviceTreeProblem problem));
        Assert.Equal(DeviceTreeError.AddressDoesNotFitCells, problem.Error);
    }

    [Fact]
    public void An_undefined_mode_is_a_caller_bug() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.TryReadDmCryptKeys(Valid(), (DeviceTreeMode)2, out _, out _));

    public static TheoryData<string> AcceptedCaseNames => [.. AcceptedCases.Keys];

    private static readonly Dictionary<string, (Func<byte[]> Build, DmCryptKeysRange Expected)> AcceptedCases = new()
    {
        ["address only (the kdump kernel reads no more)"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000))), Range(Address, null)),
        ["root without #size-cells: 1 size cell"] = (() => Tree(sizeCells: null, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188))), Range(Address, Size)),
        ["a second linux,dmcryptkeys after a child of /chosen does not count"] = (() => Tree(chosen: b => { b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188)); b.BeginNode("c"); b.EndNode(); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); }), Range(Address, Size)),
        ["#address-cells 1 after a subnode of the root does not count"] = (() => Tree(extraFirst: true, extra: b => { b.BeginNode("memory@0"); b.EndNode(); b.AddProperty("#address-cells", 1); }), Range(Address, Size)),
        ["chosen@ with an empty unit address"] = (() => Tree(chosenName: "chosen@"), Range(Address, Size)),
        ["names that only start like chosen are other nodes"] = (() => Tree(extraFirst: true, extra: b => { b.BeginNode("chosenx"); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); b.EndNode(); b.BeginNode("chose"); b.EndNode(); }), Range(Address, Size)),
        ["NOPs after the root"] = (() => Tree(extra: b => { b.AddToken(4); }), Range(Address, Size)),
        ["chosen with a unit address"] = (() => Tree(chosenName: "chosen@0"), Range(Address, Size)),
        ["the first chosen wins"] = (() => Tree(extra: b => { b.BeginNode("chosen@1"); b.AddProperty("linux,dmcryptkeys", Cells(0, 0x1000, 0, 0x188)); b.EndNode(); }, extraFirst: true), Range(0x1000, Size)),
        ["NOPs anywhere"] = (() => Tree(chosen: b => { b.AddToken(4); b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188)); b.AddToken(4); }), Range(Address, Size)),
        ["version 16 (no size_dt_struct)"] = (() => Patch(DeviceTree.BuildDtb(Address, Size), 20, 16), Range(Address, Size)),
        ["last_comp_version 17"] = (() => Patch(DeviceTree.BuildDtb(Address, Size), 24, 17), Range(Address, Size)),
        ["bytes after totalsize"] = (() => [.. DeviceTree.BuildDtb(Address, Size), 0xff, 0xff, 0xff], Range(Address, Size)),
        ["64 levels of nodes"] = (() => Tree(extra: b => Nest(b, 63)), Range(Address, Size)),
        ["the property in a deeper chosen is not /chosen's"] = (() => Tree(extra: b => { b.BeginNode("soc"); b.BeginNode("chosen"); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); b.EndNode(); b.EndNode(); }, extraFirst: true), Range(Address, Size)),
        ["a name pointing at the last NUL of the strings block is empty, not outside"] = (() => PatchLastNameOffset(Tree(extra: b => b.AddProperty("zz", []))), Range(Address, Size)),
        ["empty reservation map"] = (() => EmptyReservationMap(), Range(Address, Size)),
    };

    [Theory]
    [MemberData(nameof(AcceptedCaseNames))]
    public void Valid_trees_are_read(string name)
    {
        (Func<byte[]> build, DmCryptKeysRange expected) = AcceptedCases[name];
        byte[] dtb = build();
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(expected, range);
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, DeviceTreeMode.Kernel, out range, out problem), problem.ToString());
        Assert.Equal(expected, range);
    }

    public static TheoryData<string> ModeCaseNames => [.. ModeCases.Keys];

    // Trees that strict mode refuses as ambiguous, and what kernel mode reads from them.
    private static readonly Dictionary<string, (Func<byte[]> Build, DeviceTreeError Strict, int StrictOffset, DeviceTreeError Kernel, DmCryptKeysRange KernelRange)> ModeCases = new()
    {
        // The loader's fdt_appendprop_addrrange wrote 2 + 1 cells (libfdt's defaults); the kernel reads 1 address cell,
        // the first, with no length check (drivers/of/fdt.c:866-870): address 0.
        ["no cell counts, the loader's 2 + 1 cells"] = (() => Tree(addressCells: null, sizeCells: null, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188))), DeviceTreeError.AddressCellsMissing, 72, DeviceTreeError.None, Range(0, null)),
        ["property of 12 bytes with 2+2 cells: the kernel reads the address cells only"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188))), DeviceTreeError.BadPropertyLength, 124, DeviceTreeError.None, Range(Address, null)),
        // of_kexec_alloc_and_setup_fdt deletes only linux,elfcorehdr and linux,usable-memory-range (drivers/of/kexec.c:348-353),
        // so fdt_appendprop_addrrange (:427-430) appends to a stale property: the kernel reads the stale (first) address.
        ["a stale range with the new one appended: the first address"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188, 0, 0x7f000000, 0, 0x188))), DeviceTreeError.BadPropertyLength, 124, DeviceTreeError.None, Range(Address, null)),
        ["#size-cells 3: never consulted by the kernel"] = (() => Tree(sizeCells: 3), DeviceTreeError.BadCellCount, 96, DeviceTreeError.None, Range(Address, null)),
        ["#size-cells 3 with 2 + 1 cells: still no size"] = (() => Tree(sizeCells: 3, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188))), DeviceTreeError.BadCellCount, 96, DeviceTreeError.None, Range(Address, null)),
        // The shortest property, last in the tree: the address is the two FDT_END_NODE tokens after it, always inside the tree.
        ["property of 0 bytes with 2 address cells: the kernel reads two FDT_END_NODE tokens"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", [])), DeviceTreeError.BadPropertyLength, 124, DeviceTreeError.None, Range(2UL << 32 | 2, null)),
        ["property of 4 bytes with 2 address cells: the kernel reads on into FDT_END_NODE"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0x7e001000))), DeviceTreeError.BadPropertyLength, 124, DeviceTreeError.None, Range(0x7e001000UL << 32 | 2, null)),
        ["no cell counts, an address of one cell"] = (() => Tree(addressCells: null, sizeCells: null, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0x7e001000))), DeviceTreeError.AddressCellsMissing, 72, DeviceTreeError.None, Range(Address, null)),
        ["no cell counts, 1 + 1 cells"] = (() => Tree(addressCells: null, sizeCells: null, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0x7e001000, 0x188))), DeviceTreeError.AddressCellsMissing, 72, DeviceTreeError.None, Range(Address, Size)),
        ["#address-cells 2 only after /chosen: the kernel reads 1"] = (() => Tree(addressCells: null, sizeCells: 1, chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0x7e001000, 0x188)), extra: b => b.AddProperty("#address-cells", 2)), DeviceTreeError.AddressCellsMissing, 72, DeviceTreeError.None, Range(Address, Size)),
        ["linux,dmcryptkeys twice: the first wins"] = (() => Tree(chosen: b => { b.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0, 0x188)); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); }), DeviceTreeError.DuplicateProperty, 152, DeviceTreeError.None, Range(Address, Size)),
        ["#address-cells twice: the first wins"] = (() => Tree(addressCells: 1, sizeCells: 1, extraRoot: b => b.AddProperty("#address-cells", 2), chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0x7e001000, 0x188))), DeviceTreeError.DuplicateProperty, 112, DeviceTreeError.None, Range(Address, Size)),
        ["#size-cells twice, the second bad: the first wins"] = (() => Tree(extraRoot: b => b.AddProperty("#size-cells", 7)), DeviceTreeError.DuplicateProperty, 112, DeviceTreeError.None, Range(Address, Size)),
    };

    [Theory]
    [MemberData(nameof(ModeCaseNames))]
    public void Strict_mode_refuses_the_ambiguous_and_kernel_mode_reads_as_the_kernel(string name)
    {
        (Func<byte[]> build, DeviceTreeError strict, int strictOffset, DeviceTreeError kernel, DmCryptKeysRange kernelRange) = ModeCases[name];
        byte[] dtb = build();
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(strict, problem.Error);
        Assert.Equal(strictOffset, problem.Offset);
        Assert.Equal(kernel == DeviceTreeError.None, DeviceTree.TryReadDmCryptKeys(dtb, DeviceTreeMode.Kernel, out DmCryptKeysRange range, out problem));
        Assert.Equal(kernel, problem.Error);
        Assert.Equal(kernelRange, range);
    }

    public static TheoryData<string> HostileCaseNames => [.. HostileCases.Keys];

    private static readonly Dictionary<string, (Func<byte[]> Build, DeviceTreeError Expected, int Offset)> HostileCases = new()
    {
        ["empty"] = (() => [], DeviceTreeError.TruncatedHeader, 0),
        ["3 bytes"] = (() => [0xd0, 0x0d, 0xfe], DeviceTreeError.TruncatedHeader, 3),
        ["bad magic"] = (() => Patch(Valid(), 0, 0xd00dfeee), DeviceTreeError.BadMagic, 0),
        ["little-endian magic"] = (() => Patch(Valid(), 0, 0xedfe0dd0), DeviceTreeError.BadMagic, 0),
        ["magic then nothing"] = (() => Valid()[..20], DeviceTreeError.TruncatedHeader, 20),
        ["version 15"] = (() => Patch(Valid(), 20, 15), DeviceTreeError.UnsupportedVersion, 20),
        ["last_comp_version 18"] = (() => Patch(Valid(), 24, 18), DeviceTreeError.UnsupportedVersion, 24),
        ["39 bytes of a version 17 header"] = (() => Valid()[..39], DeviceTreeError.TruncatedHeader, 39),
        ["totalsize below the header"] = (() => Patch(Valid(), 4, 39), DeviceTreeError.TotalSizeTooSmall, 4),
        ["totalsize one past the buffer"] = (() => { byte[] d = Valid(); return Patch(d, 4, (uint)d.Length + 1); }, DeviceTreeError.TotalSizeBeyondBuffer, 4),
        ["totalsize 0xffffffff"] = (() => Patch(Valid(), 4, uint.MaxValue), DeviceTreeError.TotalSizeBeyondBuffer, 4),
        ["buffer cut one byte short"] = (() => Valid()[..^1], DeviceTreeError.TotalSizeBeyondBuffer, 4),
        ["structure block inside the header"] = (() => Patch(Valid(), 8, 36), DeviceTreeError.BlockOutOfRange, 8),
        ["structure block past totalsize"] = (() => Patch(Valid(), 36, uint.MaxValue), DeviceTreeError.BlockOutOfRange, 36),
        ["version 16 with the structure block past totalsize"] = (() => Patch(Patch(Valid(), 20, 16), 8, 0xfffffff0), DeviceTreeError.BlockOutOfRange, 8),
        ["version 16 with the structure block just past totalsize"] = (() => { byte[] d = Patch(Valid(), 20, 16); return Patch(d, 8, (uint)d.Length + 4); }, DeviceTreeError.BlockOutOfRange, 8),
        ["strings offset 0xffffffff"] = (() => Patch(Valid(), 12, uint.MaxValue), DeviceTreeError.BlockOutOfRange, 12),
        ["strings size one too many"] = (() => { byte[] d = Valid(); return Patch(d, 32, Word(d, 32) + 1); }, DeviceTreeError.BlockOutOfRange, 32),
        ["reservation map past totalsize"] = (() => { byte[] d = Valid(); return Patch(d, 16, (uint)d.Length + 8); }, DeviceTreeError.BlockOutOfRange, 16),
        ["misaligned structure block"] = (() => { byte[] d = Valid(); return Patch(Patch(d, 8, StructOffset + 2), 36, Word(d, 36) - 4); }, DeviceTreeError.BlockMisaligned, 8),
        ["misaligned reservation map"] = (() => Patch(Valid(), 16, 44), DeviceTreeError.BlockMisaligned, 16),
        ["structure overlaps the reservation map"] = (() => Patch(Valid(), 8, 48), DeviceTreeError.BlocksOverlap, 8),
        ["strings overlap the structure"] = (() => Patch(Valid(), 12, StructOffset), DeviceTreeError.BlocksOverlap, 12),
        ["reservation map without terminator"] = (() => Patch(Patch(Valid(), 60, 1), 68, 1), DeviceTreeError.ReservationMapUnterminated, 40),
        ["no FDT_END"] = (() => Tree(appendEnd: false), DeviceTreeError.MissingEnd, 160),
        ["structure cut before FDT_END"] = (() => { byte[] d = Valid(); return Patch(d, 36, Word(d, 36) - 4); }, DeviceTreeError.MissingEnd, 160),
        ["structure cut inside FDT_END"] = (() => { byte[] d = Valid(); return Patch(d, 36, Word(d, 36) - 2); }, DeviceTreeError.StructureTruncated, 160),
        ["unknown token"] = (() => Tree(extra: b => b.AddToken(7)), DeviceTreeError.UnknownToken, 156),
        ["token 0"] = (() => Tree(extra: b => b.AddToken(0)), DeviceTreeError.UnknownToken, 156),
        ["node name without NUL"] = (() => Raw(b => { b.AddToken(1); b.AddToken(0x61626364); }), DeviceTreeError.NodeNameUnterminated, 56),
        ["node name padding past the block"] = (() => CutStructure(Raw(b => { b.AddToken(1); b.AddToken(0x61620000); }), 1), DeviceTreeError.StructureTruncated, 56),
        ["property header past the block"] = (() => Raw(b => { b.BeginNode(""); b.AddToken(3); b.AddToken(0); }), DeviceTreeError.StructureTruncated, 64),
        ["property length past the block"] = (() => Patch(Tree(), FirstPropertyLength, 0xfffffff0), DeviceTreeError.PropertyLengthOutOfRange, 80),
        ["property length one past the block"] = (() => { byte[] d = Tree(); return Patch(d, FirstPropertyLength, Word(d, 36) - 20 + 1); }, DeviceTreeError.PropertyLengthOutOfRange, 80),
        ["property name offset 0xffffffff"] = (() => Patch(Tree(), FirstPropertyNameOffset, uint.MaxValue), DeviceTreeError.PropertyNameOutOfRange, 80),
        ["property name offset at the end of the strings"] = (() => { byte[] d = Tree(); return Patch(d, FirstPropertyNameOffset, Word(d, 32)); }, DeviceTreeError.PropertyNameOutOfRange, 80),
        ["property name without NUL"] = (() => { byte[] d = Tree(); d[^1] = (byte)'x'; return d; }, DeviceTreeError.PropertyNameUnterminated, 124),
        ["property outside any node"] = (() => Raw(b => { b.AddProperty("x", []); b.BeginNode(""); b.EndNode(); b.AddToken(9); }), DeviceTreeError.PropertyOutsideNode, 56),
        ["structure starts with FDT_END"] = (() => Raw(b => b.AddToken(9)), DeviceTreeError.BadRootNode, 56),
        ["two roots"] = (() => Raw(b => { b.BeginNode(""); b.EndNode(); b.BeginNode(""); b.EndNode(); b.AddToken(9); }), DeviceTreeError.BadRootNode, 68),
        ["FDT_END_NODE with no node open"] = (() => Raw(b => { b.BeginNode(""); b.EndNode(); b.EndNode(); b.AddToken(9); }), DeviceTreeError.DepthUnderflow, 68),
        ["65 levels of nodes"] = (() => Tree(extra: b => Nest(b, 64)), DeviceTreeError.DepthOverflow, 660),
        ["root left open"] = (() => Raw(b => { b.BeginNode(""); b.BeginNode("chosen"); b.EndNode(); b.AddToken(9); }), DeviceTreeError.UnclosedNode, 80),
        ["#address-cells 0"] = (() => Tree(addressCells: 0), DeviceTreeError.BadCellCount, 80),
        ["#address-cells 3"] = (() => Tree(addressCells: 3), DeviceTreeError.BadCellCount, 80),
        ["#size-cells 0"] = (() => Tree(sizeCells: 0), DeviceTreeError.BadCellCount, 96),
        ["#size-cells 3"] = (() => Tree(sizeCells: 3), DeviceTreeError.BadCellCount, 96),
        ["#address-cells of 8 bytes"] = (() => Tree(addressCells: null, extraRoot: b => b.AddProperty("#address-cells", Cells(0, 2))), DeviceTreeError.BadCellCount, 96),
        ["#address-cells twice"] = (() => Tree(extraRoot: b => b.AddProperty("#address-cells", 2)), DeviceTreeError.DuplicateProperty, 112),
        ["linux,dmcryptkeys twice"] = (() => Tree(chosen: b => { b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); }), DeviceTreeError.DuplicateProperty, 152),
        ["no /chosen"] = (() => Tree(chosenName: "chosenx"), DeviceTreeError.ChosenMissing, 72),
        ["/chosen without the property"] = (() => Tree(chosen: b => b.AddProperty("bootargs", "ro")), DeviceTreeError.PropertyMissing, 112),
        ["property of 12 bytes with 2+2 cells"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 1))), DeviceTreeError.BadPropertyLength, 124),
        ["property of 4 bytes with 2 address cells"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(1))), DeviceTreeError.BadPropertyLength, 124),
        ["empty property"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", [])), DeviceTreeError.BadPropertyLength, 124),
        ["two ranges appended"] = (() => Tree(chosen: b => b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1, 0, 2, 0, 1))), DeviceTreeError.BadPropertyLength, 124),
        ["a NOP before the root (libfdt finds no node)"] = (() => Raw(b => { b.AddToken(4); b.BeginNode(""); b.BeginNode("chosen"); b.AddProperty("linux,dmcryptkeys", Cells(0, 1)); b.EndNode(); b.EndNode(); b.AddToken(9); }), DeviceTreeError.BadRootNode, 56),
        ["root without #address-cells (strict)"] = (() => Tree(addressCells: null), DeviceTreeError.AddressCellsMissing, 72),
        ["#address-cells only after /chosen (strict)"] = (() => Tree(addressCells: null, extraRoot: null, extra: b => b.AddProperty("#address-cells", 2)), DeviceTreeError.AddressCellsMissing, 72),
        ["linux,dmcryptkeys only after a child of /chosen"] = (() => Tree(chosen: b => { b.BeginNode("child"); b.EndNode(); b.AddProperty("linux,dmcryptkeys", Cells(0, 1, 0, 1)); }), DeviceTreeError.PropertyMissing, 112),
        ["#size-cells twice"] = (() => Tree(extraRoot: b => b.AddProperty("#size-cells", 2)), DeviceTreeError.DuplicateProperty, 112),
    };

    [Theory]
    [MemberData(nameof(HostileCaseNames))]
    public void Hostile_trees_give_their_error(string name)
    {
        (Func<byte[]> build, DeviceTreeError expected, int offset) = HostileCases[name];
        byte[] dtb = build();
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem));
        Assert.Equal(expected, problem.Error);
        Assert.Equal(offset, problem.Offset);
        Assert.InRange(problem.Offset, 0, dtb.Length);
        Assert.Equal(default, range);
    }

    [Fact]
    public void Every_truncation_and_every_single_byte_change_gives_a_result_not_an_exception()
    {
        byte[] valid = DeviceTree.BuildDtb(Address, Size, 2, 2, bootArgs: "ro");
        for (int length = 0; length < valid.Length; length++)
        {
            Assert.False(DeviceTree.TryReadDmCryptKeys(valid.AsSpan(0, length), out _, out DeviceTreeProblem problem));
            Assert.NotEqual(DeviceTreeError.None, problem.Error);
            Assert.InRange(problem.Offset, 0, length);
        }

        var random = new Random(42);
        byte[] mutated = new byte[valid.Length];
        for (int position = 0; position < valid.Length; position++)
        {
            foreach (byte value in new byte[] { 0x00, 0xff, 0x01, 0x80, (byte)random.Next(256) })
            {
                valid.CopyTo(mutated, 0);
                mutated[position] = value;
                foreach (DeviceTreeMode mode in new[] { DeviceTreeMode.Strict, DeviceTreeMode.Kernel })
                {
                    bool ok = DeviceTree.TryReadDmCryptKeys(mutated, mode, out _, out DeviceTreeProblem problem);
                    Assert.Equal(ok, problem.Error == DeviceTreeError.None);
                    Assert.True(Enum.IsDefined(problem.Error));
                    Assert.InRange(problem.Offset, 0, mutated.Length);
                }
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
            bool ok = DeviceTree.TryReadDmCryptKeys(mutated.AsSpan(0, length), out DmCryptKeysRange range, out DeviceTreeProblem problem);
            Assert.Equal(ok, problem.Error == DeviceTreeError.None);
            Assert.True(ok || range == default);
            Assert.InRange(problem.Offset, 0, length);
        }
    }

    private static byte[] Valid() => DeviceTree.BuildDtb(Address, Size);

    private static DmCryptKeysRange Range(ulong address, ulong? size) => new() { Address = address, Size = size };

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
        builder.AddProperty("#address-cells", 2);
        builder.AddProperty("#size-cells", 1);
        builder.BeginNode("chosen");
        builder.AddProperty("linux,dmcryptkeys", Cells(0, 0x7e001000, 0x188));
        builder.EndNode();
        builder.EndNode();
        return builder.Finish();
    }
}
