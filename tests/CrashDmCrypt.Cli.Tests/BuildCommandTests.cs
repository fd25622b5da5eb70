using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

public sealed class BuildCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("little", KeyBlobByteOrder.LittleEndian)]
    [InlineData("big", KeyBlobByteOrder.BigEndian)]
    public void Build_with_hex_and_file_keys_round_trips_in_both_byte_orders(string option, KeyBlobByteOrder byteOrder)
    {
        (string description0, byte[] key0) = TestBlobs.TwoKeys[0];
        (string description1, byte[] key1) = TestBlobs.TwoKeys[1];
        string keyFile = _dir.Write("swap.key", key1);
        string output = _dir["blob.bin"];

        CliResult result = CliRunner.Run(
            "build", "-o", output, "--byte-order", option,
            "--key", $"{description0}=hex:{TestBlobs.Hex(key0)}",
            "--key", $"{description1}=@{keyFile}");

        Assert.True(result.ExitCode == 0, result.ToString());
        byte[] written = File.ReadAllBytes(output);
        Assert.Equal(TestBlobs.Build(byteOrder, TestBlobs.TwoKeys), written);
        Assert.True(KeyBlobReader.TryRead(written, new KeyBlobReadOptions { ByteOrder = byteOrder }, out KeyBlob blob, out _));
        Assert.Equal(2, blob.Count);
        Assert.Equal(description0, Encoding.UTF8.GetString(blob[0].Description));
        Assert.Equal(key0, blob[0].Key.ToArray());
        Assert.Equal(description1, Encoding.UTF8.GetString(blob[1].Description));
        Assert.Equal(key1, blob[1].Key.ToArray());

        // The byte order really is applied: read the other way round, total_keys is far above 128.
        var other = new KeyBlobReadOptions { ByteOrder = byteOrder == KeyBlobByteOrder.BigEndian ? KeyBlobByteOrder.LittleEndian : KeyBlobByteOrder.BigEndian };
        Assert.False(KeyBlobReader.TryRead(written, other, out _, out KeyBlobProblem problem));
        Assert.Equal(KeyBlobError.CountTooLarge, problem.Error);

        Assert.Contains("2 keys, 780 bytes", result.Output, StringComparison.Ordinal);
        Assert.Contains(TestBlobs.DigestWithoutKeys(written), result.Output, StringComparison.Ordinal);
        Assert.Equal(["blob.bin", "swap.key"], _dir.FileNames());
    }

    [Fact]
    public void Byte_order_defaults_to_little_endian()
    {
        string output = _dir["blob.bin"];
        CliResult result = CliRunner.Run("build", "-o", output, "--key", "svc:a=hex:01");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([1, 0, 0, 0], File.ReadAllBytes(output)[..4]);
    }

    [Fact]
    public void Key_file_bytes_are_taken_raw_including_a_trailing_newline()
    {
        string keyFile = _dir.Write("k", "secret\n"u8.ToArray());
        string output = _dir["blob.bin"];
        CliResult result = CliRunner.Run("build", "-o", output, "-k", $"svc:a=@{keyFile}");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(KeyBlobReader.TryRead(File.ReadAllBytes(output), out KeyBlob blob, out _));
        Assert.Equal("secret\n"u8.ToArray(), blob[0].Key.ToArray());
    }

    [Theory]
    // The split is at the first '=' followed by 'hex:' or '@'; other '=' belong to the description.
    [InlineData("svc:a=b=hex:01", "svc:a=b")]
    [InlineData("svc:=hex:01", "svc:")]
    [InlineData("svc:a==hex:01", "svc:a=")]
    [InlineData("a=b:c=hex:01", "a=b:c")]
    [InlineData("svc:x=hex:01=hex:02", null)]
    public void Description_ends_at_the_first_equals_sign_before_hex_or_at(string argument, string? expectedDescription)
    {
        string output = _dir["blob.bin"];
        CliResult result = CliRunner.Run("build", "-o", output, "--key", argument);
        if (expectedDescription is null)
        {
            // "svc:x" then hex "01=hex:02", which is not hex.
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("key 0 (svc:x)", result.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(output));
            return;
        }

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(KeyBlobReader.TryRead(File.ReadAllBytes(output), out KeyBlob blob, out _));
        Assert.Equal(expectedDescription, Encoding.UTF8.GetString(blob[0].Description));
    }

    [Fact]
    public void A_path_with_equals_signs_is_taken_whole_after_the_at_sign()
    {
        string keyFile = _dir.Write("a=hex:b", [7, 8, 9]);
        string output = _dir["blob.bin"];
        CliResult result = CliRunner.Run("build", "-o", output, "--key", $"svc:k=@{keyFile}");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(KeyBlobReader.TryRead(File.ReadAllBytes(output), out KeyBlob blob, out _));
        Assert.Equal("svc:k", Encoding.UTF8.GetString(blob[0].Description));
        Assert.Equal([7, 8, 9], blob[0].Key.ToArray());
    }

    // Boundary pairs: accepted side by side with the first refused value.
    public static TheoryData<string, string[], string?> Cases()
    {
        string desc127 = "svc:" + new string('d', 123);
        string desc128 = "svc:" + new string('d', 124);
        string desc129 = "svc:" + new string('d', 125);
        return new TheoryData<string, string[], string?>
        {
            { "127-character description", [$"{desc127}=hex:01"], null },
            { "128-character description", [$"{desc128}=hex:01"], "CDC021" },
            { "129-character description", [$"{desc129}=hex:01"], "CDC020" },
            { "256-byte key", [$"svc:a=hex:{new string('a', 512)}"], null },
            { "257-byte key", [$"svc:a=hex:{new string('a', 514)}"], "CDC006" },
            { "1-byte key", ["svc:a=hex:00"], null },
            { "empty key", ["svc:a=hex:"], "CDC005" },
            { "colon last", ["svc:=hex:01"], null },
            { "colon first", [":svc=hex:01"], "CDC010" },
            { "no colon", ["svc=hex:01"], "CDC010" },
            { "newline in description", ["svc:a\nb=hex:01"], "CDC009" },
            { "empty description", ["=hex:01"], "CDC008" },
            { "distinct descriptions", ["svc:a=hex:01", "svc:b=hex:01"], null },
            { "duplicate description", ["svc:a=hex:01", "svc:a=hex:02"], "CDC013" },
            { "no separator", ["svc:a"], "expected DESC=hex:HEX or DESC=@KEYFILE" },
            { "equals without hex: or @", ["svc:a=0102"], "expected DESC=hex:HEX or DESC=@KEYFILE" },
            { "odd number of hex digits", ["svc:a=hex:abc"], "not an even number of hex digits" },
            { "not hex digits", ["svc:a=hex:zz"], "not an even number of hex digits" },
            { "upper-case hex", ["svc:a=hex:ABCDEF"], null },
            { "missing key file", ["svc:a=@/nonexistent/cdc/key"], "cannot open '/nonexistent/cdc/key': ENOENT (no such file or directory)" },
            { "empty key file name", ["svc:a=@"], "the file name is empty" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Build_accepts_or_refuses_with_exit_2_and_no_file(string name, string[] keys, string? expectedError)
    {
        string output = _dir["blob.bin"];
        string[] args = ["build", "-o", output, .. keys.SelectMany(k => new[] { "--key", k })];

        CliResult result = CliRunner.Run(args);

        if (expectedError is null)
        {
            Assert.True(result.ExitCode == 0, name + ": " + result);
            Assert.True(File.Exists(output), name);
            return;
        }

        Assert.True(result.ExitCode == 2, name + ": " + result);
        Assert.Contains(expectedError, result.Error, StringComparison.Ordinal);
        Assert.Matches(@"^build: key \d+", result.ErrorLines[0]);
        Assert.Empty(result.Output);
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void A_128_byte_description_is_refused_with_the_truncation_explanation()
    {
        string description = "cryptsetup:" + new string('u', 117);
        CliResult result = CliRunner.Run("build", "-o", _dir["blob.bin"], "--key", "svc:ok=hex:01", "--key", $"{description}=hex:02");

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"build: key 1 ({description}): CDC021 ", line, StringComparison.Ordinal);
        Assert.Contains("truncate it to 127", line, StringComparison.Ordinal);
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Every_refused_key_gets_its_own_line()
    {
        CliResult result = CliRunner.Run(
            "build", "-o", _dir["blob.bin"],
            "--key", "nocolon=hex:01",
            "--key", "svc:fine=hex:01",
            "--key", "svc:empty=hex:");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(2, result.ErrorLines.Length);
        Assert.StartsWith("build: key 0 (nocolon): CDC010", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.StartsWith("build: key 2 (svc:empty): CDC005", result.ErrorLines[1], StringComparison.Ordinal);
        Assert.Empty(_dir.FileNames());
    }

    [InProcessFact("a lone surrogate cannot reach a real process: argv is bytes, and the runtime decodes them as UTF-8 with U+FFFD")]
    public void A_description_that_is_not_valid_unicode_is_refused_not_replaced()
    {
        // Built here, not in theory data: test-case serialisation would turn the lone surrogate into U+FFFD.
        string argument = "svc:" + (char)0xd800 + "=hex:01";
        CliResult result = CliRunner.Run("build", "-o", _dir["blob.bin"], "--key", argument);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("build: key 0: the description is not valid Unicode", Assert.Single(result.ErrorLines));
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Messages_never_echo_key_material()
    {
        const string Secret = "0123456789abcdef0123456789abcdef";
        CliResult[] results =
        [
            CliRunner.Run("build", "-o", _dir["blob.bin"], "--key", Secret),
            CliRunner.Run("build", "-o", _dir["blob.bin"], "--key", $"svc:a=hex:{Secret}x"),
            CliRunner.Run("build", "-o", _dir["blob.bin"], "--key", $"nocolon=hex:{Secret}"),
        ];

        foreach (CliResult result in results)
        {
            Assert.Equal(2, result.ExitCode);
            Assert.DoesNotContain(Secret, result.Error, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Secret, result.Output, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Empty(_dir.FileNames());
    }

    [Theory]
    [InlineData(128, 0)]
    [InlineData(129, 2)]
    public void Key_count_boundary(int count, int expectedExit)
    {
        string output = _dir["blob.bin"];
        string[] args = ["build", "-o", output, .. Enumerable.Range(0, count).SelectMany(i => new[] { "-k", $"svc:{i}=hex:01" })];

        CliResult result = CliRunner.Run(args);

        Assert.True(result.ExitCode == expectedExit, result.ToString());
        if (expectedExit == 0)
        {
            Assert.Equal(KeyBlobLayout.MaxBlobSize, new FileInfo(output).Length);
        }
        else
        {
            Assert.Equal("build: 129 keys given: CDC003 total_keys is above 128 (KEY_NUM_MAX)", Assert.Single(result.ErrorLines));
            Assert.Empty(_dir.FileNames());
        }
    }

    [Fact]
    public void Key_file_of_257_bytes_is_refused_and_256_accepted()
    {
        string ok = _dir.Write("ok.key", new byte[256]);
        string big = _dir.Write("big.key", Enumerable.Repeat((byte)1, 4096).ToArray());
        string output = _dir["blob.bin"];

        CliResult refused = CliRunner.Run("build", "-o", output, "-k", $"svc:a=@{big}");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("key 0 (svc:a): CDC006", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        // 256 zero bytes is a legal key (the kernel copies key_size bytes, whatever they are).
        CliResult accepted = CliRunner.Run("build", "-o", output, "-k", $"svc:a=@{ok}");
        Assert.True(accepted.ExitCode == 0, accepted.ToString());
    }

    [Fact]
    public void A_refused_build_leaves_an_existing_output_untouched_and_a_good_one_replaces_it()
    {
        byte[] previous = [1, 2, 3];
        string output = _dir.Write("blob.bin", previous);

        CliResult refused = CliRunner.Run("build", "-o", output, "--key", "svc:a=hex:");
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal(previous, File.ReadAllBytes(output));
        Assert.Equal(["blob.bin"], _dir.FileNames());

        CliResult built = CliRunner.Run("build", "-o", output, "--key", "svc:a=hex:01");
        Assert.True(built.ExitCode == 0, built.ToString());
        Assert.Equal(KeyBlobLayout.GetBlobSize(1), new FileInfo(output).Length);
        Assert.Equal(["blob.bin"], _dir.FileNames());
    }

    [Fact]
    public void An_unwritable_output_is_an_io_error_with_exit_2_and_no_temporary_file()
    {
        Directory.CreateDirectory(_dir["sub"]);

        CliResult intoMissingDirectory = CliRunner.Run("build", "-o", _dir["missing/blob.bin"], "--key", "svc:a=hex:01");
        Assert.Equal(2, intoMissingDirectory.ExitCode);
        Assert.StartsWith("build: cannot write", intoMissingDirectory.Error, StringComparison.Ordinal);

        // Renaming a file over a directory fails after the temporary file was written: it must be removed.
        CliResult overDirectory = CliRunner.Run("build", "-o", _dir["sub"], "--key", "svc:a=hex:01");
        Assert.Equal(2, overDirectory.ExitCode);
        Assert.Equal(["sub"], _dir.FileNames());
        Assert.Empty(Directory.GetFileSystemEntries(_dir["sub"]));
    }

    [LinuxFact("Unix file modes")]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_blob_file_is_readable_by_its_owner_only()
    {
        string output = _dir["blob.bin"];
        Assert.Equal(0, CliRunner.Run("build", "-o", output, "--key", "svc:a=hex:01").ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
    }

    [Theory]
    [InlineData("build", "--key", "svc:a=hex:01")]
    [InlineData("build", "-o", "x.bin")]
    [InlineData("build", "-o", "x.bin", "--key", "svc:a=hex:01", "--byte-order", "middle")]
    [InlineData("build", "-o", "x.bin", "--key", "svc:a=hex:01", "--bogus")]
    public void Command_line_errors_exit_2(params string[] args)
    {
        CliResult result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
        Assert.False(File.Exists("x.bin"));
    }
}
