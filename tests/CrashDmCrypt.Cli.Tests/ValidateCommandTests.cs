using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_valid_blob_exits_0_with_one_summary_line()
    {
        byte[] blob = TestBlobs.Valid();
        string file = _dir.Write("blob.bin", blob);

        CliResult result = CliRunner.Run("validate", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"valid (strict, little-endian): 2 keys, 780 bytes, {TestBlobs.DigestWithoutKeys(blob)}", Assert.Single(result.OutputLines));
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Every_problem_is_on_its_own_line_with_code_entry_offset_and_message()
    {
        string file = _dir.Write("blob.bin", TestBlobs.WithThreeProblems());

        CliResult result = CliRunner.Run("validate", file);

        Assert.Equal(1, result.ExitCode);
        int entry0 = TestBlobs.Entry(0);
        int entry1 = TestBlobs.Entry(1);
        Assert.Equal(
            [
                $"CDC005 entry 0 at offset {entry0}: {KeyBlobErrors.GetMessage(KeyBlobError.KeySizeZero)}",
                $"CDC010 entry 0 at offset {entry0 + KeyBlobLayout.DescriptionOffset}: {KeyBlobErrors.GetMessage(KeyBlobError.DescriptionNotLogonForm)}",
                $"CDC012 entry 1 at offset {entry1 + KeyBlobLayout.EntrySize - 1}: {KeyBlobErrors.GetMessage(KeyBlobError.KeyDataPaddingNotZero)}",
            ],
            result.OutputLines);
    }

    [Fact]
    public void Json_lists_every_problem()
    {
        string file = _dir.Write("blob.bin", TestBlobs.WithThreeProblems());

        CliResult result = CliRunner.Run("validate", file, "--json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement[] errors = document.RootElement.GetProperty("errors").EnumerateArray().ToArray();
        Assert.Equal(["CDC005", "CDC010", "CDC012"], errors.Select(e => e.GetProperty("code").GetString()));
        Assert.Equal([0, 0, 1], errors.Select(e => e.GetProperty("entry").GetInt32()));
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString())));
        Assert.Equal(TestBlobs.Entry(1) + KeyBlobLayout.EntrySize - 1, errors[2].GetProperty("offset").GetInt32());
    }

    public static TheoryData<string, byte[], string, int?, string?> HeaderCases() => new()
    {
        // name, file, code, count (null: unreadable), digest (null: the region is shorter than 4 + 388 * count, or count > 128)
        { "empty file", [], "CDC001", null, null },
        { "3 bytes", [1, 0, 0], "CDC001", null, null },
        { "count 0", [0, 0, 0, 0], "CDC002", 0, "xxh3-nokeys:" },
        { "count 129", [129, 0, 0, 0], "CDC003", 129, null },
        { "count top bit", [0, 0, 0, 0x80], "CDC003", int.MinValue, null },
        { "count 1, 391 bytes", [1, .. new byte[390]], "CDC004", 1, null },
    };

    [Theory]
    [MemberData(nameof(HeaderCases))]
    public void Header_problems_exit_1_with_entry_null_in_json(string name, byte[] bytes, string code, int? count, string? digest)
    {
        string file = _dir.Write("blob.bin", bytes);

        CliResult text = CliRunner.Run("validate", file);
        CliResult json = CliRunner.Run("validate", file, "--json");

        Assert.True(text.ExitCode == 1, name + ": " + text);
        Assert.StartsWith($"{code} header at offset ", Assert.Single(text.OutputLines), StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using JsonDocument document = JsonDocument.Parse(json.Output);
        JsonElement root = document.RootElement;
        JsonElement error = Assert.Single(root.GetProperty("errors").EnumerateArray().ToArray());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("entry").ValueKind);
        if (count is null)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("count").ValueKind);
        }
        else
        {
            Assert.Equal(unchecked((uint)count.Value), root.GetProperty("count").GetUInt32());
        }

        if (digest is null)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("digest").ValueKind);
        }
        else
        {
            Assert.StartsWith(digest, root.GetProperty("digest").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public void Trailing_bytes_are_an_error_only_with_exact_length(bool exactLength, int expectedExit)
    {
        string exact = _dir.Write("exact.bin", TestBlobs.Valid());
        string longer = _dir.Write("longer.bin", [.. TestBlobs.Valid(), 0]);
        string[] flag = exactLength ? ["--exact-length"] : [];

        CliResult exactResult = CliRunner.Run(["validate", exact, .. flag]);
        CliResult longerResult = CliRunner.Run(["validate", longer, .. flag]);

        Assert.Equal(0, exactResult.ExitCode);
        Assert.True(longerResult.ExitCode == expectedExit, longerResult.ToString());
        if (exactLength)
        {
            Assert.StartsWith("CDC014 header at offset 780: ", Assert.Single(longerResult.OutputLines), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Exact_length_sees_trailing_bytes_in_a_region_far_larger_than_the_read_window()
    {
        var region = new byte[(2 * KeyBlobLayout.MaxBlobSize) + 4096];
        TestBlobs.Valid().CopyTo(region, 4096);
        string file = _dir.Write("region.bin", region);

        Assert.Equal(0, CliRunner.Run("validate", file, "--offset", "0x1000").ExitCode);
        CliResult exact = CliRunner.Run("validate", file, "--offset", "0x1000", "--exact-length");
        Assert.Equal(1, exact.ExitCode);
        Assert.StartsWith("CDC014", Assert.Single(exact.OutputLines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_128_key_blob_at_the_end_of_a_region_is_read_whole()
    {
        byte[] blob = TestBlobs.Build(
            KeyBlobByteOrder.LittleEndian,
            Enumerable.Range(0, KeyBlobLayout.MaxKeys).Select(i => ($"svc:{i}", new[] { (byte)i })).ToArray());
        string file = _dir.Write("region.bin", [.. new byte[10], .. blob]);

        CliResult result = CliRunner.Run("validate", file, "--offset", "10", "--exact-length");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("128 keys, 49668 bytes", result.Output, StringComparison.Ordinal);
    }

    public static TheoryData<string, Action<byte[]>, string> KernelOnlyCases() => new()
    {
        { "description without a colon", b => TestBlobs.PutDescription(b, 0, "nocolon"u8.ToArray()), "CDC010" },
        { "empty description", b => TestBlobs.PutDescription(b, 0, []), "CDC008" },
        { "key_size 0", b => { TestBlobs.SetKeySize(b, 1, 0); b.AsSpan(TestBlobs.Entry(1) + KeyBlobLayout.DataOffset, 4).Clear(); }, "CDC005" },
        { "duplicate description", b => TestBlobs.PutDescription(b, 1, System.Text.Encoding.UTF8.GetBytes(TestBlobs.TwoKeys[0].Description)), "CDC013" },
        { "count 0", b => TestBlobs.SetCount(b, 0), "CDC002" },
    };

    [Theory]
    [MemberData(nameof(KernelOnlyCases))]
    public void Kernel_mode_accepts_what_strict_mode_refuses(string name, Action<byte[]> corrupt, string strictCode)
    {
        byte[] blob = TestBlobs.Valid();
        corrupt(blob);
        string file = _dir.Write("blob.bin", blob);

        CliResult strict = CliRunner.Run("validate", file);
        CliResult kernel = CliRunner.Run("validate", file, "--mode", "kernel");

        Assert.True(strict.ExitCode == 1, name + ": " + strict);
        Assert.Contains(strictCode, strict.Output, StringComparison.Ordinal);
        Assert.True(kernel.ExitCode == 0, name + ": " + kernel);
        Assert.StartsWith("valid (kernel, little-endian)", kernel.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_mode_still_refuses_a_key_size_above_256()
    {
        byte[] blob = TestBlobs.Valid();
        TestBlobs.SetKeySize(blob, 0, 257);
        string file = _dir.Write("blob.bin", blob);

        CliResult result = CliRunner.Run("validate", file, "--mode", "kernel");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("CDC006 entry 0", Assert.Single(result.OutputLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("little", 1)]
    [InlineData("big", 0)]
    public void Byte_order_must_match_the_blob(string byteOrder, int expectedExit)
    {
        string file = _dir.Write("blob.bin", TestBlobs.Valid(KeyBlobByteOrder.BigEndian));
        CliResult result = CliRunner.Run("validate", file, "--byte-order", byteOrder);
        Assert.True(result.ExitCode == expectedExit, result.ToString());
    }

    [Fact]
    public void Io_errors_exit_2()
    {
        Directory.CreateDirectory(_dir["dir"]);
        CliResult missing = CliRunner.Run("validate", _dir["missing.bin"]);
        CliResult directory = CliRunner.Run("validate", _dir["dir"]);
        CliResult empty = CliRunner.Run("validate", "");

        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(2, directory.ExitCode);
        Assert.Equal(2, empty.ExitCode);
        Assert.StartsWith("validate: ", missing.Error, StringComparison.Ordinal);
        Assert.StartsWith("validate: ", directory.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("validate", "x", "--offset")]
    [InlineData("validate", "x", "--show-key-material")]
    [InlineData("validate", "x", "--mode", "Strict")]
    [InlineData("frobnicate")]
    [InlineData]
    public void Command_line_errors_exit_2(params string[] args)
    {
        CliResult result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }

    [Fact]
    public void Help_exits_0()
    {
        CliResult result = CliRunner.Run("validate", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--exact-length", result.Output, StringComparison.Ordinal);
    }
}
