using System.Globalization;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests.Vectors;

/// <summary>The independent C reference against the C# codec: reading every vector, and building blobs.</summary>
public class CReferenceTests
{
    public static TheoryData<string> AllVectors => VectorManifest.Names(_ => true);

    // One `read` process per byte order covers every vector; the cases below look their file up.
    private static readonly Lazy<Dictionary<string, CReadResult>> ReadsLazy = new(ReadAllVectors);

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void C_reference_read_agrees_with_kernel_mode(string name)
    {
        VectorCase v = VectorManifest.Committed[name];
        CReadResult c = ReadsLazy.Value[name];

        // The kernel's restore path ignores bytes after the blob, so compare with the default (non-exact) read.
        AssertAgrees(c, v.ReadBytes(), v.Order);
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void C_reference_read_agrees_with_the_manifest(string name)
    {
        VectorCase v = VectorManifest.Committed[name];
        CReadResult c = ReadsLazy.Value[name];
        if (v.RequireExactLength)
        {
            // The manifest's verdicts are for exact-length reads, which the kernel never does.
            Assert.True(c.Ok);
            return;
        }

        Assert.Equal(v.Kernel.Valid, c.Ok);
        if (c.Ok)
        {
            Assert.Equal(v.Entries!.Count, c.Count);
            Assert.Equal(v.Entries!.Select(ToCEntry), c.Entries);
        }
        else
        {
            Assert.Equal((v.Kernel.Error, v.Kernel.Entry, v.Kernel.Offset), (c.Error, (int?)c.Entry, (int?)c.Offset));
        }
    }

    public static TheoryData<string, string> KeySets => new()
    {
        { "one key", "little" },
        { "one key", "big" },
        { "three keys", "little" },
        { "three keys", "big" },
        { "boundaries", "little" },
        { "boundaries", "big" },
        { "128 keys", "little" },
        { "128 keys", "big" },
    };

    [Theory]
    [MemberData(nameof(KeySets))]
    public void C_reference_build_and_csharp_writer_give_identical_bytes(string keySet, string byteOrder)
    {
        KeyBlobKey[] keys = MakeKeySet(keySet);
        KeyBlobByteOrder order = byteOrder == "big" ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;

        byte[] written = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
        Assert.Equal(written.Length, TestWriter.Write(keys, written, order));

        byte[] built = BuildWithC(order, keys.Select(k => (k.Description.ToArray(), k.Key.ToArray())));
        Assert.Equal(Convert.ToHexStringLower(written), Convert.ToHexStringLower(built));

        // And the C reader reads the C# blob back to the same keys.
        using var dir = new TempDirectory();
        string path = dir.Write("blob.bin", written);
        CReadResult c = Assert.Single(CReference.Read(order == KeyBlobByteOrder.BigEndian, [path]));
        Assert.True(c.Ok, c.Error);
        Assert.Equal(
            keys.Select((k, i) => new CEntry(i, k.Key.Length, Convert.ToHexStringLower(k.Description.Span), Convert.ToHexStringLower(k.Key.Span))),
            c.Entries);
    }

    [Theory]
    [InlineData("little")]
    [InlineData("big")]
    public void C_reference_read_agrees_with_kernel_mode_on_mutated_vectors(string byteOrder)
    {
        // Deterministic single and double faults on the valid vectors: boundary values in the u32 fields,
        // cleared or filled description bytes, truncation. One `read` process checks them all.
        KeyBlobByteOrder order = byteOrder == "big" ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
        VectorCase[] seeds = VectorManifest.Committed.Vectors.Where(v => v.Strict.Valid && v.Order == order).ToArray();
        Assert.NotEmpty(seeds);
        uint[] boundaries = [0, 1, 127, 128, 129, 255, 256, 257, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];
        var random = new Random(20260101);
        using var dir = new TempDirectory();
        var cases = new List<(string Path, byte[] Bytes)>();
        for (int n = 0; n < 300; n++)
        {
            byte[] bytes = seeds[random.Next(seeds.Length)].ReadBytes();
            int count = (bytes.Length - KeyBlobLayout.HeaderSize) / KeyBlobLayout.EntrySize;
            for (int faults = random.Next(1, 3); faults > 0; faults--)
            {
                int entry = KeyBlobLayout.EntriesOffset + (KeyBlobLayout.EntrySize * random.Next(count));
                switch (random.Next(6))
                {
                    case 0:
                        WriteUInt32(bytes.AsSpan(KeyBlobLayout.CountOffset), boundaries[random.Next(boundaries.Length)], order);
                        break;
                    case 1:
                        WriteUInt32(bytes.AsSpan(entry + KeyBlobLayout.KeySizeOffset), boundaries[random.Next(boundaries.Length)], order);
                        break;
                    case 2:
                        // No NUL in the description field, and maybe none in data either.
                        bytes.AsSpan(entry + KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength).Fill((byte)'d');
                        if (random.Next(2) == 0)
                        {
                            bytes.AsSpan(entry + KeyBlobLayout.DataOffset, KeyBlobLayout.DataLength).Fill(0xEE);
                        }

                        break;
                    case 3:
                        bytes.AsSpan(entry + KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength).Clear();
                        break;
                    case 4:
                        bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                        break;
                    default:
                        bytes = bytes[..random.Next(random.Next(4) == 0 ? KeyBlobLayout.HeaderSize : bytes.Length + 1)];
                        count = Math.Max(1, (bytes.Length - KeyBlobLayout.HeaderSize) / KeyBlobLayout.EntrySize);
                        break;
                }

                if (bytes.Length < KeyBlobLayout.HeaderSize + KeyBlobLayout.EntrySize)
                {
                    break;
                }
            }

            cases.Add((dir.Write(string.Create(CultureInfo.InvariantCulture, $"m{n:d3}.bin"), bytes), bytes));
        }

        IReadOnlyList<CReadResult> read = CReference.Read(order == KeyBlobByteOrder.BigEndian, cases.Select(c => c.Path));
        Assert.Equal(cases.Count, read.Count);
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(cases[i].Path, read[i].Path);
            AssertAgrees(read[i], cases[i].Bytes, order);
        }

        // The mutations reach every verdict the C reference can give.
        Assert.Equal(
            ["CountTooLarge", "DescriptionNotTerminated", "KeySizeTooLarge", "TruncatedEntries", "TruncatedHeader", "ok"],
            read.Select(r => r.Error ?? "ok").Distinct().Order(StringComparer.Ordinal));
    }

    private static void WriteUInt32(Span<byte> destination, uint value, KeyBlobByteOrder order)
    {
        if (order == KeyBlobByteOrder.BigEndian)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination, value);
        }
        else
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(destination, value);
        }
    }

    [Fact]
    public void C_reference_build_truncates_a_128_character_description_where_the_writer_refuses_it()
    {
        byte[] desc128 = Encoding.ASCII.GetBytes("cryptsetup:" + new string('d', KeyBlobLayout.DescriptionFieldLength - 11));
        byte[] key = [1, 2, 3, 4];
        Assert.Equal(KeyBlobLayout.DescriptionFieldLength, desc128.Length);

        // build_keys_header: strscpy(key_desc, desc, 128) keeps 127 characters and the NUL, silently.
        byte[] built = BuildWithC(KeyBlobByteOrder.LittleEndian, [(desc128, key)]);
        byte[] expected = new byte[KeyBlobWriter.GetRequiredSize(1)];
        TestWriter.Write([new KeyBlobKey(desc128.AsMemory(0, KeyBlobLayout.MaxDescriptionLength), key)], expected);
        Assert.Equal(expected, built);

        // The C# writer refuses the 128-byte description instead (the logon lookup would miss).
        Assert.False(KeyBlobWriter.TryValidate([new KeyBlobKey(desc128, key)], out KeyBlobProblem problem));
        Assert.Equal(new KeyBlobProblem { Error = KeyBlobError.DescriptionTruncatedByKernel, EntryIndex = 0, Offset = 8 + KeyBlobLayout.MaxDescriptionLength }, problem);
    }

    public static TheoryData<int, int> KeyLengthBoundaries => new()
    {
        { 256, 0 },
        { 257, 1 },
    };

    [Theory]
    [MemberData(nameof(KeyLengthBoundaries))]
    public void C_reference_build_refuses_a_key_over_256_bytes_and_writes_no_file(int keyLength, int expectedExit)
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out.bin");
        ProcessResult result = CReference.Run("build", output, "svc:k=" + new string('a', keyLength * 2));
        Assert.Equal(expectedExit, result.ExitCode);
        Assert.Equal(expectedExit == 0, File.Exists(output));
        Assert.Equal(expectedExit == 0 ? 1 : 0, Directory.GetFiles(dir.Path).Length);
    }

    public static TheoryData<int, int> KeyCountBoundaries => new()
    {
        // configfs accepts a 129th item; build_keys_header writes it; the kdump kernel refuses the count.
        { 128, 0 },
        { 129, 0 },
        { 130, 1 },
    };

    [Theory]
    [MemberData(nameof(KeyCountBoundaries))]
    public void C_reference_build_writes_up_to_129_keys_as_configfs_allows(int count, int expectedExit)
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "out.bin");
        var args = new List<string> { "build", output };
        args.AddRange(Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"svc:{i}=0{i % 10}")));
        ProcessResult result = CReference.Run(args);
        Assert.Equal(expectedExit, result.ExitCode);
        if (expectedExit != 0)
        {
            Assert.False(File.Exists(output));
            return;
        }

        byte[] blob = File.ReadAllBytes(output);
        Assert.Equal(KeyBlobLayout.HeaderSize + (KeyBlobLayout.EntrySize * count), blob.Length);
        bool accepted = KeyBlobReader.TryRead(blob, new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, out _, out KeyBlobProblem problem);
        Assert.Equal(count <= KeyBlobLayout.MaxKeys, accepted);
        Assert.Equal(accepted ? KeyBlobError.None : KeyBlobError.CountTooLarge, problem.Error);
    }

    public static TheoryData<string[], int> UsageCases => new()
    {
        { [], 2 },
        { ["read"], 2 },
        { ["read", "--be"], 2 },
        { ["build"], 2 },
        { ["build", "/nonexistent-dir/out.bin", "svc:k=zz"], 2 },
        { ["build", "/nonexistent-dir/out.bin", "svc:k=abc"], 2 },
        { ["build", "/nonexistent-dir/out.bin", "no-equals-sign"], 2 },
        { ["build", "/nonexistent-dir/out.bin", "svc:k=01"], 2 },
        { ["read", "/nonexistent-dir/blob.bin"], 2 },
        { ["gen-vectors"], 2 },
        { ["frobnicate"], 2 },
    };

    [Theory]
    [MemberData(nameof(UsageCases))]
    public void C_reference_exits_2_on_usage_and_io_errors(string[] args, int expectedExit)
    {
        ProcessResult result = CReference.Run(args);
        Assert.Equal(expectedExit, result.ExitCode);
        Assert.NotEmpty(result.StandardError);
    }

    [Fact]
    public void C_reference_read_exits_0_whatever_the_verdicts()
    {
        VectorManifest m = VectorManifest.Committed;
        string[] files = [m["one-key.bin"].FilePath, m["empty.bin"].FilePath, m["key-size-257.bin"].FilePath];
        IReadOnlyList<CReadResult> results = CReference.Read(false, files);
        Assert.Equal(files, results.Select(r => r.Path));
        Assert.Equal([true, false, false], results.Select(r => r.Ok));
    }

    [Fact]
    public void C_struct_layout_equals_the_codec_layout()
    {
        // Compile a probe against dm_crypt_keys.h (its _Static_asserts included) and compare with KeyBlobLayout.
        using var dir = new TempDirectory();
        string source = dir.Write("probe.c", """
            #include <stdio.h>
            #include "dm_crypt_keys.h"
            int main(void)
            {
                printf("%zu %zu %zu %zu %zu %zu %d %d %d %zu\n",
                       offsetof(struct keys_header, keys), offsetof(struct dm_crypt_key, key_size),
                       offsetof(struct dm_crypt_key, key_desc), offsetof(struct dm_crypt_key, data),
                       sizeof(struct dm_crypt_key), sizeof(struct keys_header),
                       KEY_NUM_MAX, KEY_SIZE_MAX, KEY_DESC_MAX_LEN, keys_header_size(KEY_NUM_MAX));
                return 0;
            }
            """u8.ToArray());
        string probe = Path.Combine(dir.Path, "probe");
        ProcessResult compile = ProcessResult.Run("gcc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", RepoPaths.Reference, "-o", probe, source]);
        Assert.True(compile.ExitCode == 0, compile.StandardError);

        ProcessResult run = ProcessResult.Run(probe, []);
        Assert.Equal(0, run.ExitCode);
        int[] expected =
        [
            KeyBlobLayout.EntriesOffset, KeyBlobLayout.KeySizeOffset, KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DataOffset,
            KeyBlobLayout.EntrySize, KeyBlobLayout.HeaderSize, KeyBlobLayout.MaxKeys, KeyBlobLayout.MaxKeySize,
            KeyBlobLayout.DescriptionFieldLength, KeyBlobLayout.MaxBlobSize,
        ];
        Assert.Equal(string.Join(' ', expected), run.StandardOutput.Trim());
    }

    [Fact]
    public void Header_static_asserts_reject_a_changed_layout()
    {
        // The same header with the description field one byte longer must not compile: the asserts bite.
        using var dir = new TempDirectory();
        string header = File.ReadAllText(Path.Combine(RepoPaths.Reference, "dm_crypt_keys.h"))
            .Replace("#define KEY_DESC_MAX_LEN 128", "#define KEY_DESC_MAX_LEN 132", StringComparison.Ordinal);
        Assert.Contains("KEY_DESC_MAX_LEN 132", header, StringComparison.Ordinal);
        dir.Write("dm_crypt_keys.h", Encoding.ASCII.GetBytes(header));
        string source = dir.Write("probe.c", "#include \"dm_crypt_keys.h\"\nint main(void) { return 0; }\n"u8.ToArray());

        ProcessResult compile = ProcessResult.Run("gcc", ["-std=c11", "-fsyntax-only", "-I", dir.Path, source]);
        Assert.NotEqual(0, compile.ExitCode);
        Assert.Contains("static assertion failed", compile.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_script_is_safe_to_run_concurrently_and_skips_up_to_date_binaries()
    {
        // Work on a private copy so the shared build/ folder is never forced to rebuild.
        using var dir = new TempDirectory();
        foreach (string file in new[] { "build.sh", "dmcrypt_ref.c", "dm_crypt_keys.h" })
        {
            string copy = Path.Combine(dir.Path, file);
            File.Copy(Path.Combine(RepoPaths.Reference, file), copy);

            // Sources well in the past, so "binary newer than sources" never hinges on timestamp resolution.
            File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddHours(-1));
        }

        string script = Path.Combine(dir.Path, "build.sh");
        Task<ProcessResult>[] builds = Enumerable.Range(0, 3)
            .Select(_ => Task.Run(() => ProcessResult.Run("bash", [script, "dmcrypt_ref"])))
            .ToArray();
        ProcessResult[] results = await Task.WhenAll(builds);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.StandardError));

        string binary = Path.Combine(dir.Path, "build", "dmcrypt_ref");
        Assert.Equal(["dmcrypt_ref"], Directory.GetFiles(Path.Combine(dir.Path, "build")).Select(Path.GetFileName));
        DateTime built = File.GetLastWriteTimeUtc(binary);

        // Up to date: a second run leaves the binary alone.
        Assert.Equal(0, ProcessResult.Run("bash", [script, "dmcrypt_ref"]).ExitCode);
        Assert.Equal(built, File.GetLastWriteTimeUtc(binary));
        Assert.Equal(0, ProcessResult.Run(binary, ["read", Path.Combine(RepoPaths.Vectors, "one-key.bin")]).ExitCode);

        // A source that does not compile fails the script and leaves no partial binary behind.
        File.AppendAllText(Path.Combine(dir.Path, "dmcrypt_ref.c"), "\nint unused_and_broken(void) { return }\n");
        Assert.NotEqual(0, ProcessResult.Run("bash", [script, "dmcrypt_ref"]).ExitCode);
        Assert.Equal(["dmcrypt_ref"], Directory.GetFiles(Path.Combine(dir.Path, "build")).Select(Path.GetFileName));
        Assert.Equal(built, File.GetLastWriteTimeUtc(binary));
    }

    private static Dictionary<string, CReadResult> ReadAllVectors()
    {
        var results = new Dictionary<string, CReadResult>(StringComparer.Ordinal);
        foreach (IGrouping<KeyBlobByteOrder, VectorCase> group in VectorManifest.Committed.Vectors.GroupBy(v => v.Order))
        {
            VectorCase[] cases = group.ToArray();
            IReadOnlyList<CReadResult> read = CReference.Read(group.Key == KeyBlobByteOrder.BigEndian, cases.Select(v => v.FilePath));
            Assert.Equal(cases.Select(v => v.FilePath), read.Select(r => r.Path));
            for (int i = 0; i < cases.Length; i++)
            {
                results.Add(cases[i].Name, read[i]);
            }
        }

        return results;
    }

    internal static void AssertAgrees(CReadResult c, byte[] bytes, KeyBlobByteOrder order)
    {
        bool valid = KeyBlobReader.TryRead(bytes, new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel }, out KeyBlob blob, out KeyBlobProblem problem);
        Assert.Equal(valid, c.Ok);
        if (!valid)
        {
            Assert.Equal((problem.Error.ToString(), problem.EntryIndex, problem.Offset), (c.Error!, c.Entry, c.Offset));
            return;
        }

        Assert.Equal((blob.Count, blob.Size), (c.Count, c.Size));
        var entries = new List<CEntry>();
        foreach (KeyBlobEntry entry in blob)
        {
            entries.Add(new CEntry(entry.Index, entry.KeySize, Convert.ToHexStringLower(entry.Description), Convert.ToHexStringLower(entry.Key)));
        }

        Assert.Equal(entries, c.Entries);
    }

    internal static CEntry ToCEntry(VectorEntry e) =>
        new(e.Index, e.KeySize, Convert.ToHexStringLower(e.DescriptionBytes()), e.KeyHex);

    private static byte[] BuildWithC(KeyBlobByteOrder order, IEnumerable<(byte[] Description, byte[] Key)> keys)
    {
        using var dir = new TempDirectory();
        string output = Path.Combine(dir.Path, "built.bin");
        var args = new List<string> { "build" };
        if (order == KeyBlobByteOrder.BigEndian)
        {
            args.Add("--be");
        }

        args.Add(output);
        args.AddRange(keys.Select(k => Encoding.ASCII.GetString(k.Description) + "=" + Convert.ToHexStringLower(k.Key)));
        ProcessResult result = CReference.Run(args);
        Assert.True(result.ExitCode == 0, result.StandardError);
        return File.ReadAllBytes(output);
    }

    // Deterministic key sets; descriptions are ASCII so they pass through argv unchanged.
    private static KeyBlobKey[] MakeKeySet(string name)
    {
        var random = new Random(name.Length);
        KeyBlobKey Key(string description, int size)
        {
            byte[] key = new byte[size];
            random.NextBytes(key);
            return new KeyBlobKey(Encoding.ASCII.GetBytes(description), key);
        }

        return name switch
        {
            "one key" => [Key("cryptsetup:6f1e2d3c-0000-4000-8000-0123456789ab", 64)],
            "three keys" => [Key("cryptsetup:a", 32), Key("cryptsetup:b", 64), Key("svc:", 16)],
            "boundaries" =>
            [
                Key("a:", 1),
                Key("cryptsetup:" + new string('x', KeyBlobLayout.MaxDescriptionLength - 11), KeyBlobLayout.MaxKeySize),
                Key("desc:with=equals sign", 2),
            ],
            "128 keys" => Enumerable.Range(0, KeyBlobLayout.MaxKeys)
                .Select(i => Key(string.Create(CultureInfo.InvariantCulture, $"cryptsetup:{i:d4}"), 1 + ((i * 37) % KeyBlobLayout.MaxKeySize)))
                .ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }
}
