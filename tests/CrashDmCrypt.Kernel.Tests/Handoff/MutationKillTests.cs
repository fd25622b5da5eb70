using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// Behaviour that mutants survived in the first Stryker run (eng/mutation.sh handoff): each test names the
/// rule it pins down. See eng/stryker/README.md.
/// </summary>
public class MutationKillTests
{
    [Fact]
    public void Every_command_line_error_has_its_own_message_and_unknown_values_say_so()
    {
        CommandLineError[] errors = Enum.GetValues<CommandLineError>();
        foreach (CommandLineError error in errors)
        {
            string message = CommandLineErrors.GetMessage(error);
            Assert.False(string.IsNullOrWhiteSpace(message), error.ToString());
            Assert.NotEqual("unknown error", message);
        }

        Assert.Equal(errors.Length, errors.Select(CommandLineErrors.GetMessage).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("unknown error", CommandLineErrors.GetMessage((CommandLineError)199));
    }

    [Fact]
    public void A_line_that_starts_with_NUL_is_empty()
    {
        // The kernel's string ends at its first NUL, also at offset 0: nothing after it is a parameter.
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress("\0dmcryptkeys=0x1000"u8, out _, out CommandLineProblem problem));
        Assert.Equal(new CommandLineProblem { Error = CommandLineError.ParameterMissing, Offset = 0 }, problem);
    }

    [Theory]
    [InlineData("dmcryptkeys=0x1000 \"")]
    [InlineData("dmcryptkeys=0x1000 \"\"")]
    public void A_lone_quote_is_an_empty_parameter(string line)
    {
        // next_arg on '"' alone: an empty name, no closing quote to strip before it.
        Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress(System.Text.Encoding.Latin1.GetBytes(line), out ulong address, out _));
        Assert.Equal(0x1000UL, address);
    }

    [Fact]
    public void A_bare_parameter_s_value_offset_is_the_end_of_its_name()
    {
        var tokenizer = new KernelParameterTokenizer("ro quiet"u8);
        Assert.True(tokenizer.MoveNext(out _));
        Assert.True(tokenizer.MoveNext(out KernelParameter parameter));
        Assert.False(parameter.HasValue);
        Assert.Equal(3, parameter.NameOffset);
        Assert.Equal(8, parameter.ValueOffset);
    }

    [Theory]
    [InlineData("1`")]
    [InlineData("1@")]
    [InlineData("0x1h")]
    [InlineData("0x1H")]
    public void Only_0_to_9_and_a_to_f_are_digits(string text)
    {
        // _parse_integer_limit: a byte whose lower-case form lies below 'a' ('`' is 'a' - 1, '@' | 0x20 is '`') is no digit.
        Assert.False(KernelCommandLine.TryParseMemparse(System.Text.Encoding.ASCII.GetBytes(text), out _, out CommandLineProblem problem));
        Assert.Equal(CommandLineError.TrailingCharacters, problem.Error);
        Assert.Equal(text.Length - 1, problem.Offset);
    }

    [Fact]
    public void An_undefined_relaxation_or_mode_is_a_caller_bug_named_in_the_exception()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1"u8, (CommandLineRelaxations)0x4000_0000, out _, out _));
        Assert.Equal("relaxations", e.ParamName);
        Assert.StartsWith("Undefined command-line relaxation", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1"u8, (CommandLineMode)7, out _, out _));
        Assert.Equal("mode", e.ParamName);
        Assert.StartsWith("Undefined command-line mode", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Caller_bugs_of_the_device_tree_api_name_the_argument_and_the_rule()
    {
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.TryReadDmCryptKeys([], (DeviceTreeMode)7, out _, out _));
        Assert.StartsWith("Undefined device tree mode", mode.Message, StringComparison.Ordinal);
        var cells = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.GetDmCryptKeysPropertyLength(3, 1));
        Assert.Equal("addressCells", cells.ParamName);
        Assert.Contains("1 or 2", cells.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildDtb_names_the_value_that_does_not_fit()
    {
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(0x1000, 1UL << 32, 2, 1)).ParamName);
        Assert.Equal("address", Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(1UL << 32, 0x1000, 1, 2)).ParamName);
    }

    [Fact]
    public void Four_bytes_are_enough_to_refuse_a_bad_magic()
    {
        Assert.False(DeviceTree.TryReadDmCryptKeys(new byte[4], out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.BadMagic, Offset = 0 }, problem);
    }

    [Fact]
    public void The_version_is_checked_as_soon_as_its_words_are_there()
    {
        // 28 bytes reach last_comp_version: an old version is reported before the rest of the header is missed.
        byte[] dtb = new byte[FdtLayout.VersionPrefixSize];
        BinaryPrimitives.WriteUInt32BigEndian(dtb, FdtLayout.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(FdtLayout.VersionOffset), 15);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.UnsupportedVersion, Offset = FdtLayout.VersionOffset }, problem);
    }

    [Fact]
    public void A_header_that_is_all_the_tree_is_read_on_to_the_reservation_map()
    {
        // totalsize equal to the 40-byte header is not too small, and 40 bytes are a whole header: the reader
        // goes on and misses the reservation map's terminator at offset 40.
        byte[] dtb = FdtHeaders.Create(FdtLayout.HeaderSize, FdtLayout.HeaderSize, FdtLayout.HeaderSize, FdtLayout.HeaderSize, 17);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.ReservationMapUnterminated, Offset = FdtLayout.HeaderSize }, problem);
    }

    [Fact]
    public void A_version_16_header_is_36_bytes()
    {
        // Version 16 has no size_dt_struct: 36 bytes are a whole header, and the next check (the reservation
        // map's 8-byte alignment) decides.
        byte[] dtb = FdtHeaders.Create(FdtLayout.HeaderSizeV16, FdtLayout.HeaderSizeV16, FdtLayout.HeaderSizeV16, FdtLayout.HeaderSizeV16, 16);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.BlockMisaligned, Offset = FdtLayout.ReservationMapOffsetOffset }, problem);
    }

    [Fact]
    public void A_root_property_after_a_subnode_does_not_count()
    {
        // fdt_getprop stops at the root's first subnode: #address-cells after /chosen is missing.
        byte[] dtb = Build(b =>
        {
            b.BeginNode(string.Empty);
            b.AddProperty("#size-cells", 1u);
            Chosen(b);
            b.AddProperty("#address-cells", 2u);
            b.EndNode();
        });
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(DeviceTreeError.AddressCellsMissing, problem.Error);
    }

    [Fact]
    public void Other_root_properties_are_not_cell_counts()
    {
        byte[] dtb = Build(b =>
        {
            b.BeginNode(string.Empty);
            b.AddProperty("#address-cells", 2u);
            b.AddProperty("model", "x");
            b.AddProperty("#size-cells", 1u);
            Chosen(b);
            b.EndNode();
        });
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out _));
        Assert.Equal(new DmCryptKeysRange { Address = 0x1000, Size = 0x188 }, range);
    }

    [Fact]
    public void A_cell_count_of_two_cells_is_no_count_even_if_its_first_cell_is()
    {
        byte[] dtb = Build(b =>
        {
            b.BeginNode(string.Empty);
            b.AddProperty("#address-cells", [0, 0, 0, 2, 0, 0, 0, 0]);
            b.AddProperty("#size-cells", 1u);
            Chosen(b);
            b.EndNode();
        });
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(DeviceTreeError.BadCellCount, problem.Error);
    }

    [Fact]
    public void A_node_name_that_ends_the_structure_block_is_whole_and_the_end_token_is_missing()
    {
        byte[] dtb = Build(b => b.BeginNode("abc"), appendEnd: false);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.MissingEnd, Offset = StructureEnd(dtb) }, problem);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void A_property_that_ends_the_structure_block_is_whole_and_the_end_token_is_missing(int length)
    {
        byte[] dtb = Build(b => { b.BeginNode(string.Empty); b.AddProperty("x", new byte[length]); }, appendEnd: false);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.MissingEnd, Offset = StructureEnd(dtb) }, problem);
    }

    [Fact]
    public void Boot_args_are_a_NUL_terminated_bootargs_property()
    {
        // of_get_flat_dt_prop(node, "bootargs", ...): the name the kernel looks up, the value a C string.
        byte[] dtb = DeviceTree.BuildDtb(0x1000, 0x188, bootArgs: "ro q");
        int value = dtb.AsSpan().IndexOf("ro q"u8);
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(value - 8)));
        Assert.Equal(0, dtb[value + 4]);
        int nameOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(value - 4));
        int strings = (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.StringsOffsetOffset));
        Assert.True(dtb.AsSpan(strings + nameOffset).StartsWith("bootargs\0"u8));
    }

    [Fact]
    public void The_builder_writes_dtc_s_versions_and_every_reservation_in_order()
    {
        var builder = new FdtBuilder();
        builder.AddReservation(0x1000, 0x10);
        builder.AddReservation(0x2000, 0x20);
        builder.BeginNode(string.Empty);
        builder.EndNode();
        byte[] dtb = builder.Finish();
        Assert.Equal(17u, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.VersionOffset)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.LastCompatibleVersionOffset)));
        ulong[] map = [.. Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadUInt64BigEndian(dtb.AsSpan(FdtLayout.HeaderSize + (8 * i))))];
        Assert.Equal([0x1000UL, 0x10, 0x2000, 0x20, 0, 0], map);
    }

    [Fact]
    public void The_builder_stores_a_name_used_twice_once()
    {
        // As dtc and libfdt's fdt_find_add_string_ do: the second property points at the first one's name.
        var builder = new FdtBuilder();
        builder.BeginNode(string.Empty);
        builder.AddProperty("x", 1u);
        builder.AddProperty("x", 2u);
        builder.EndNode();
        byte[] dtb = builder.Finish();
        int strings = (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.StringsOffsetOffset));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.StringsSizeOffset)));
        Assert.Equal("x\0"u8.ToArray(), dtb[strings..]);
    }

    private static void Chosen(FdtBuilder builder)
    {
        builder.BeginNode("chosen");
        builder.AddProperty(DeviceTree.DmCryptKeysPropertyName, [0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0x88]);
        builder.EndNode();
    }

    private static byte[] Build(Action<FdtBuilder> body, bool appendEnd = true)
    {
        var builder = new FdtBuilder();
        body(builder);
        return builder.Finish(appendEnd);
    }

    private static int StructureEnd(byte[] dtb) =>
        (int)(BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.StructOffsetOffset)) + BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(FdtLayout.StructSizeOffset)));

    private static void Put(byte[] dtb, int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(offset), value);
}
