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

    public static TheoryData<string, byte[], string> Invalid => new()
    {
        { "bad magic", [.. new byte[] { 0xd0, 0x0d, 0xfe, 0xee }, .. DeviceTree.BuildDtb(Address, Size)[4..]], "BadMagic" },
        { "cut short", DeviceTree.BuildDtb(Address, Size)[..60], "TotalSizeBeyondBuffer" },
        { "empty", [], "TruncatedHeader" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_tree_exits_1_with_the_reason(string name, byte[] dtb, string code)
    {
        string file = _dir.Write("fdt", dtb);

        CliResult text = CliRunner.Run("dtb", file);
        CliResult json = CliRunner.Run("dtb", file, "--json");

        Assert.True(text.ExitCode == 1, $"{name}: {text}");
        Assert.Empty(text.Output);
        Assert.StartsWith("dtb: ", Assert.Single(text.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("address").ValueKind);
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("size").ValueKind);
        Assert.Equal(code, document.RootElement.GetProperty("error").GetString());
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
        Assert.Equal("PropertyMissing", document.RootElement.GetProperty("error").GetString());
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
        DeviceTree.WriteDmCryptKeysProperty(value, Address, Size, 2, 2);
        int at = dtb.AsSpan().LastIndexOf(value);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at - 8), 8);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at + 8), 4);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(at + 12), 4);
        return dtb;
    }
}
