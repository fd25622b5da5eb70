using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

public sealed class InspectCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Text_lists_count_size_digest_and_entries_without_key_bytes()
    {
        byte[] blob = TestBlobs.Valid();
        string file = _dir.Write("blob.bin", blob);

        CliResult result = CliRunner.Run("inspect", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [
                "count: 2",
                "size: 780 bytes",
                $"digest: {TestBlobs.DigestWithoutKeys(blob)}",
                "byte order: little",
                "mode: strict",
                $"entry 0: key size 64, description {TestBlobs.TwoKeys[0].Description}",
                "entry 1: key size 4, description svc:swap",
            ],
            result.OutputLines);
        Assert.DoesNotContain("deadbeef", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Text_shows_key_hex_only_with_show_key_material()
    {
        string file = _dir.Write("blob.bin", TestBlobs.Valid());

        CliResult result = CliRunner.Run("inspect", file, "--show-key-material");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"entry 0: key hex {TestBlobs.Hex(TestBlobs.TwoKeys[0].Key)}", result.OutputLines);
        Assert.Contains("entry 1: key hex deadbeef", result.OutputLines);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Json_has_every_field_and_key_hex_only_when_asked(bool showKeyMaterial)
    {
        byte[] blob = TestBlobs.Valid(KeyBlobByteOrder.BigEndian);
        string file = _dir.Write("blob.bin", blob);
        string[] args = showKeyMaterial
            ? ["inspect", file, "--json", "--byte-order", "big", "--show-key-material"]
            : ["inspect", file, "--json", "--byte-order", "big"];

        CliResult result = CliRunner.Run(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement root = document.RootElement;
        Assert.Equal(
            showKeyMaterial
                ? ["byteOrder", "mode", "count", "size", "digest", "fullDigest", "keys", "errors"]
                : ["byteOrder", "mode", "count", "size", "digest", "keys", "errors"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("big", root.GetProperty("byteOrder").GetString());
        Assert.Equal("strict", root.GetProperty("mode").GetString());
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(780, root.GetProperty("size").GetInt32());
        Assert.Equal(TestBlobs.DigestWithoutKeys(blob), root.GetProperty("digest").GetString());
        Assert.Equal(0, root.GetProperty("errors").GetArrayLength());

        JsonElement[] keys = root.GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal(2, keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(i, keys[i].GetProperty("index").GetInt32());
            Assert.Equal(TestBlobs.TwoKeys[i].Description, keys[i].GetProperty("description").GetString());
            Assert.Equal(TestBlobs.TwoKeys[i].Key.Length, keys[i].GetProperty("keySize").GetInt32());
            Assert.Equal(showKeyMaterial, keys[i].TryGetProperty("keyHex", out JsonElement hex));
            if (showKeyMaterial)
            {
                Assert.Equal(TestBlobs.Hex(TestBlobs.TwoKeys[i].Key), hex.GetString());
            }
        }

        if (!showKeyMaterial)
        {
            Assert.DoesNotContain("deadbeef", result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_invalid_blob_prints_its_problems_like_validate_and_exits_1()
    {
        string file = _dir.Write("blob.bin", TestBlobs.WithThreeProblems());

        CliResult inspect = CliRunner.Run("inspect", file, "--show-key-material");
        CliResult validate = CliRunner.Run("validate", file);

        Assert.Equal(1, inspect.ExitCode);
        Assert.Empty(inspect.Output);
        Assert.Equal(3, inspect.ErrorLines.Length);
        Assert.Equal(validate.OutputLines, inspect.ErrorLines);
    }

    [Fact]
    public void Json_of_an_invalid_blob_has_the_raw_count_and_the_errors_and_no_keys()
    {
        byte[] blob = TestBlobs.Valid();
        TestBlobs.SetKeySize(blob, 1, 257);
        string file = _dir.Write("blob.bin", blob);

        CliResult result = CliRunner.Run("inspect", file, "--json", "--show-key-material");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement root = document.RootElement;
        Assert.Equal(2, root.GetProperty("count").GetInt32());
        Assert.Equal(780, root.GetProperty("size").GetInt32());
        Assert.Equal(TestBlobs.DigestWithoutKeys(blob), root.GetProperty("digest").GetString());
        Assert.Equal(TestBlobs.FullDigest(blob), root.GetProperty("fullDigest").GetString());
        Assert.Equal(0, root.GetProperty("keys").GetArrayLength());
        JsonElement error = Assert.Single(root.GetProperty("errors").EnumerateArray().ToArray());
        Assert.Equal("CDC006", error.GetProperty("code").GetString());
        Assert.Equal(1, error.GetProperty("entry").GetInt32());
        Assert.Equal(TestBlobs.Entry(1), error.GetProperty("offset").GetInt32());
        Assert.Equal(KeyBlobErrors.GetMessage(KeyBlobError.KeySizeTooLarge), error.GetProperty("message").GetString());
        Assert.DoesNotContain("deadbeef", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    // The blob sits at 4096 in a larger region, as in a dump of the crashkernel reservation.
    [InlineData("4096", 0)]
    [InlineData("0x1000", 0)]
    [InlineData("0X1000", 0)]
    [InlineData("4095", 1)]
    [InlineData("0", 1)]
    public void Offset_selects_the_blob_inside_a_region(string offset, int expectedExit)
    {
        byte[] blob = TestBlobs.Valid();
        var region = new byte[4096 + blob.Length + 100];
        region.AsSpan(0, 4096).Fill(0xcc);
        blob.CopyTo(region, 4096);
        string file = _dir.Write("region.bin", region);

        CliResult result = CliRunner.Run("inspect", file, "--offset", offset);

        Assert.True(result.ExitCode == expectedExit, result.ToString());
        if (expectedExit == 0)
        {
            Assert.Contains($"digest: {TestBlobs.DigestWithoutKeys(blob)}", result.OutputLines);
        }
    }

    [Theory]
    // At the end: an empty blob (too short, exit 1); past the end: a usage error (exit 2).
    [InlineData(780, 1, "CDC001")]
    [InlineData(781, 2, "past the end")]
    [InlineData(1_000_000, 2, "past the end")]
    public void Offset_at_or_past_the_end(long offset, int expectedExit, string expectedText)
    {
        string file = _dir.Write("blob.bin", TestBlobs.Valid());

        CliResult result = CliRunner.Run("inspect", file, "--offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expectedExit, result.ExitCode);
        Assert.Contains(expectedText, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("0x")]
    [InlineData("0x-1")]
    [InlineData("+5")]
    [InlineData("1K")]
    [InlineData("99999999999999999999")]
    public void A_malformed_offset_is_a_usage_error(string offset)
    {
        string file = _dir.Write("blob.bin", TestBlobs.Valid());
        CliResult result = CliRunner.Run("inspect", file, "--offset", offset);
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void Kernel_mode_shows_a_blob_strict_mode_refuses_with_control_bytes_escaped()
    {
        byte[] blob = TestBlobs.Valid();
        TestBlobs.PutDescription(blob, 1, [(byte)'n', (byte)'o', 0x1b, (byte)'\\', 0xff]);
        string file = _dir.Write("blob.bin", blob);

        CliResult strict = CliRunner.Run("inspect", file);
        CliResult kernel = CliRunner.Run("inspect", file, "--mode", "kernel");
        CliResult json = CliRunner.Run("inspect", file, "--mode", "kernel", "--json");

        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("CDC010", strict.Error, StringComparison.Ordinal);
        Assert.True(kernel.ExitCode == 0, kernel.ToString());
        Assert.Contains(@"entry 1: key size 4, description no\x1b\\\xff", kernel.OutputLines);
        Assert.Contains("mode: kernel", kernel.OutputLines);
        Assert.Equal(0, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        Assert.Equal("kernel", document.RootElement.GetProperty("mode").GetString());
        Assert.Equal(@"no\x1b\\\xff", document.RootElement.GetProperty("keys")[1].GetProperty("description").GetString());
    }

    [Fact]
    public void A_missing_file_is_an_io_error()
    {
        CliResult result = CliRunner.Run("inspect", _dir["missing.bin"]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("inspect: cannot open", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("inspect", "a", "b")]
    [InlineData("inspect", "a", "--mode", "lenient")]
    [InlineData("inspect", "a", "--byte-order", "LittleEndian")]
    [InlineData("inspect", "a", "--mode", "1")]
    public void Command_line_errors_exit_2(params string[] args)
    {
        CliResult result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }
}

public class InspectKeyMaterialInDescriptionTests
{
    [Fact]
    public void Kernel_mode_description_that_runs_into_data_hides_the_key_bytes_unless_asked()
    {
        string vector = Path.Combine(RepoPaths.Vectors, "desc-unterminated-nul-in-data.bin");

        CliResult plain = CliRunner.Run("inspect", vector, "--mode", "kernel");
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("[key data hidden]", plain.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\x09\\xbc", plain.Output, StringComparison.Ordinal);

        CliResult json = CliRunner.Run("inspect", vector, "--mode", "kernel", "--json");
        Assert.Contains("[key data hidden]", json.Output, StringComparison.Ordinal);

        CliResult shown = CliRunner.Run("inspect", vector, "--mode", "kernel", "--show-key-material");
        Assert.DoesNotContain("hidden", shown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hidden_marker_does_not_tell_where_the_key_s_first_zero_byte_is()
    {
        // Same 128-byte field, keys whose first zero byte sits at different places: the output is the same.
        byte[] early = RunsIntoData([0x11, 0x22, 0x00, 0x33]);
        byte[] late = RunsIntoData([0x11, 0x22, 0x33, 0x00]);
        using var dir = new TempDirectory();

        CliResult first = CliRunner.Run("inspect", dir.Write("early.bin", early), "--mode", "kernel");
        CliResult second = CliRunner.Run("inspect", dir.Write("late.bin", late), "--mode", "kernel");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.OutputLines.Where(l => l.StartsWith("entry", StringComparison.Ordinal)), second.OutputLines.Where(l => l.StartsWith("entry", StringComparison.Ordinal)));
        Assert.Contains("[key data hidden]", first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_digest_leaves_key_bytes_out_and_the_full_one_is_shown_only_when_asked()
    {
        byte[] one = TestBlobs.Valid();
        byte[] other = TestBlobs.Valid();
        other[TestBlobs.Data(0)] ^= 0xff;
        using var dir = new TempDirectory();

        CliResult a = CliRunner.Run("inspect", dir.Write("a.bin", one));
        CliResult b = CliRunner.Run("inspect", dir.Write("b.bin", other));
        CliResult full = CliRunner.Run("inspect", dir["a.bin"], "--show-key-material");

        // Blobs that differ only in key bytes print the same digest, and nothing hashed over the keys.
        Assert.Equal(a.Output, b.Output);
        Assert.DoesNotContain(TestBlobs.FullDigest(one), a.Output, StringComparison.Ordinal);
        Assert.Contains($"digest: {TestBlobs.DigestWithoutKeys(one)}", a.OutputLines);
        Assert.Contains($"full digest: {TestBlobs.FullDigest(one)}", full.OutputLines);
    }

    // One entry whose description fills its 128-byte field and runs on into a key that is all non-zero up to its first 0.
    private static byte[] RunsIntoData(byte[] key)
    {
        byte[] blob = TestBlobs.Build(KeyBlobByteOrder.LittleEndian, ("svc:a", key));
        blob.AsSpan(TestBlobs.Desc(0), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'d');
        blob[TestBlobs.Desc(0) + 3] = (byte)':';
        return blob;
    }
}
