using System.Buffers.Binary;
using System.Text.Json;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Cli.Tests;

public sealed class DtbCommandTests : IDisposable
{
    private const ulong Address = 0x7e001000;
    private const ulong Size = 392;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    public void Text_prints_the_address_alone(int addressCells, int sizeCells)
    {
        string file = _dir.Write("fdt", DeviceTree.BuildDtb(Address, Size, addressCells, sizeCells));

        CliResult result = CliRunner.Run("dtb", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0x7e001000" + Environment.NewLine, result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Json_prints_address_and_size()
    {
        string file = _dir.Write("fdt", DeviceTree.BuildDtb(Address, Size));

        CliResult result = CliRunner.Run("dtb", file, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.Equal(Address, document.RootElement.GetProperty("address").GetUInt64());
        Assert.Equal(Size, document.RootElement.GetProperty("size").GetUInt64());
    }

    [Fact]
    public void Json_size_is_null_for_an_address_only_property()
    {
        string file = _dir.Write("fdt", AddressOnly(DeviceTree.BuildDtb(Address, Size, 2, 2)));

        CliResult result = CliRunner.Run("dtb", file, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.Equal(Address, document.RootElement.GetProperty("address").GetUInt64());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("size").ValueKind);
    }

    public static TheoryData<string, byte[], string, int> Invalid => new()
    {
        { "bad magic", [.. new byte[] { 0xd0, 0x0d, 0xfe, 0xee }, .. DeviceTree.BuildDtb(Address, Size)[4..]], "CDC202", 0 },
        { "cut short", DeviceTree.BuildDtb(Address, Size)[..60], "CDC205", 4 },
        { "empty", [], "CDC201", 0 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_tree_exits_1_with_the_reason(string name, byte[] dtb, string code, int offset)
    {
        string file = _dir.Write("fdt", dtb);

        CliResult text = CliRunner.Run("dtb", file);
        CliResult json = CliRunner.Run("dtb", file, "--json");

        Assert.True(text.ExitCode == 1, $"{name}: {text}");
        Assert.Empty(text.Output);
        Assert.StartsWith($"dtb: {code} at offset {offset}: ", Assert.Single(text.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("address").ValueKind);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("size").ValueKind);
        Assert.Equal(code, document.RootElement.GetProperty("error").GetString());
        Assert.Equal(offset, document.RootElement.GetProperty("offset").GetInt32());
        Assert.Equal(text.ErrorLines[0], $"dtb: {code} at offset {offset}: {document.RootElement.GetProperty("message").GetString()}");
    }

    [Fact]
    public void A_tree_without_the_property_exits_1()
    {
        byte[] dtb = DeviceTree.BuildDtb(Address, Size);
        int name = dtb.AsSpan().LastIndexOf("linux,dmcryptkeys"u8);
        dtb[name] = (byte)'x';
        string file = _dir.Write("fdt", dtb);

        CliResult result = CliRunner.Run("dtb", file, "--json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.Equal("CDC224", document.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void Kernel_mode_reads_a_root_without_address_cells_as_the_kernel_does()
    {
        // The loader (libfdt) would assume 2 address cells; the kernel reads 1. Strict mode refuses the tree.
        byte[] dtb = DeviceTree.BuildDtb(Address, Size, 1, 1);
        int name = dtb.AsSpan().LastIndexOf("#address-cells"u8);
        dtb[name] = (byte)'x';
        string file = _dir.Write("fdt", dtb);

        CliResult strict = CliRunner.Run("dtb", file, "--json");
        CliResult kernel = CliRunner.Run("dtb", file, "--mode", "kernel");

        Assert.Equal(1, strict.ExitCode);
        using JsonDocument document = JsonDocument.Parse(strict.Output);
        Assert.Equal("CDC227", document.RootElement.GetProperty("error").GetString());
        Assert.True(kernel.ExitCode == 0, kernel.ToString());
        Assert.Equal("0x7e001000" + Environment.NewLine, kernel.Output);
    }

    [Fact]
    public void An_undefined_mode_is_a_usage_error() =>
        Assert.Equal(2, CliRunner.Run("dtb", _dir.Write("fdt", DeviceTree.BuildDtb(Address, Size)), "--mode", "libfdt").ExitCode);

    [Fact]
    public void The_largest_tree_the_command_reads_completes()
    {
        // 16 MiB: /chosen holds the property, then about 700,000 properties whose names all point at one 8 MiB
        // string (the tree that once took quadratic time).
        string file = _dir.Write("fdt", HostileTree(16 << 20));

        CliResult result = CliRunner.Run("dtb", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("0x7e001000" + Environment.NewLine, result.Output);
    }

    [Fact]
    public void A_file_past_16_MiB_is_refused_before_it_is_read()
    {
        byte[] dtb = HostileTree(16 << 20);
        string file = _dir.Write("fdt", [.. dtb, .. new byte[(16 << 20) - dtb.Length + 1]]);

        CliResult result = CliRunner.Run("dtb", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("larger than 16777216 bytes", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("dtb", _dir.Write("fdt16", [.. dtb, .. new byte[(16 << 20) - dtb.Length]])).ExitCode);
    }

    [Fact]
    public void A_missing_file_is_an_io_error()
    {
        CliResult result = CliRunner.Run("dtb", _dir["absent"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(_dir["absent"], result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_file_the_running_kernel_s_tree_is_read()
    {
        CliResult byDefault = CliRunner.Run("dtb");
        CliResult explicitly = CliRunner.Run("dtb", "/sys/firmware/fdt");

        Assert.Equal(explicitly, byDefault);
        if (!File.Exists("/sys/firmware/fdt"))
        {
            Assert.Equal(2, byDefault.ExitCode);
            Assert.Contains("/sys/firmware/fdt", byDefault.Error, StringComparison.Ordinal);
        }
    }

    // Shortens /chosen/linux,dmcryptkeys (2 + 2 cells) to its address cells; the size cells become two FDT_NOPs.
    private static byte[] AddressOnly(byte[] dtb)
    {
        byte[] value = new byte[16];
        Assert.Equal(System.Buffers.OperationStatus.Done, DeviceTree.WriteDmCryptKeysProperty(value, Address, Size, 2, 2, out _, out _));
        int at = dtb.AsSpan().LastIndexOf(value);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at - 8), 8);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at + 8), 4);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at + 12), 4);
        return dtb;
    }

    // A tree of at most `size` bytes laid out by hand (header, empty reservation map, structure, strings): the root
    // with 2 + 2 cells, /chosen with linux,dmcryptkeys and then as many empty properties named by one long string
    // as fill the rest, half structure and half string.
    private static byte[] HostileTree(int size)
    {
        const int header = 40;
        const int structOffset = header + 16;
        byte[] cellsNames = "#address-cells\0#size-cells\0linux,dmcryptkeys\0"u8.ToArray();
        int longName = cellsNames.Length;
        int fixedStructure = 8 + (2 * 16) + 12 + 28 + 4 + 4 + 4;
        int properties = (size - structOffset - fixedStructure - longName) / 2 / 12;
        int structSize = fixedStructure + (12 * properties);
        int nameLength = size - structOffset - structSize - longName - 1;
        int stringsOffset = structOffset + structSize;
        byte[] dtb = new byte[stringsOffset + longName + nameLength + 1];
        Span<byte> d = dtb;
        uint[] headerWords = [0xd00dfeed, (uint)dtb.Length, structOffset, (uint)stringsOffset, header, 17, 16, 0, (uint)(longName + nameLength + 1), (uint)structSize];
        for (int i = 0; i < headerWords.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[(4 * i)..], headerWords[i]);
        }

        int at = structOffset;
        void Word(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at), value);
            at += 4;
        }

        Word(1);
        Word(0);
        foreach (uint nameOffset in new uint[] { 0, 15 })
        {
            Word(3);
            Word(4);
            Word(nameOffset);
            Word(2);
        }

        Word(1);
        "chosen\0\0"u8.CopyTo(d[at..]);
        at += 8;
        Word(3);
        Word(16);
        Word(27);
        Word(0);
        Word((uint)Address);
        Word(0);
        Word((uint)Size);
        for (int i = 0; i < properties; i++)
        {
            Word(3);
            Word(0);
            Word((uint)longName);
        }

        Word(2);
        Word(2);
        Word(9);
        Assert.Equal(stringsOffset, at);
        cellsNames.CopyTo(d[stringsOffset..]);
        d.Slice(stringsOffset + longName, nameLength).Fill((byte)'x');
        return dtb;
    }
}
