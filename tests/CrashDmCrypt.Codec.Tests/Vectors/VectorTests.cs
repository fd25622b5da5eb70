using System.Buffers;
using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests.Vectors;

/// <summary>The C# codec against the golden vectors in spec/vectors and their manifest. One case per vector file.</summary>
public class VectorTests
{
    public static TheoryData<string> AllVectors => VectorManifest.Names(_ => true);

    public static TheoryData<string> StrictValidVectors => VectorManifest.Names(v => v.Strict.Valid);

    private static VectorManifest Manifest => VectorManifest.Committed;

    [Fact]
    public void Manifest_lists_exactly_the_vector_files()
    {
        string[] files = Directory.GetFiles(RepoPaths.Vectors, "*.bin").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        string[] listed = Manifest.Vectors.Select(v => v.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(VectorManifest.FormatName, Manifest.Format);
        Assert.Equal(files, listed);
        Assert.Equal(listed.Length, listed.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Manifest_covers_every_strict_rule_and_the_required_valid_shapes()
    {
        // One blob per strict rejection rule, CDC001..CDC014.
        for (KeyBlobError error = KeyBlobError.TruncatedHeader; error <= KeyBlobError.TrailingBytes; error++)
        {
            Assert.Contains(Manifest.Vectors, v => v.Strict.Code == KeyBlobErrors.GetCode(error));
        }

        VectorCase[] valid = Manifest.Vectors.Where(v => v.Strict.Valid).ToArray();
        Assert.Contains(valid, v => v.Entries!.Count == 1);
        Assert.Contains(valid, v => v.Entries!.Count == KeyBlobLayout.MaxKeys);
        Assert.Contains(valid, v => v.Entries!.Any(e => e.KeySize == KeyBlobLayout.MaxKeySize));
        Assert.Contains(valid, v => v.Entries!.Any(e => e.DescriptionBytes().Length == KeyBlobLayout.MaxDescriptionLength));
        Assert.Contains(valid, v => v.Order == KeyBlobByteOrder.BigEndian && v.Entries!.Count > 1);
    }

    [Fact]
    public void Manifest_verdicts_are_well_formed()
    {
        foreach (VectorCase v in Manifest.Vectors)
        {
            foreach (VectorVerdict verdict in new[] { v.Strict, v.Kernel })
            {
                if (verdict.Valid)
                {
                    Assert.Equal(VectorVerdict.Accepted, verdict);
                }
                else
                {
                    var error = Enum.Parse<KeyBlobError>(verdict.Error!);
                    Assert.Equal(KeyBlobErrors.GetCode(error), verdict.Code);
                    Assert.NotNull(verdict.Entry);
                    Assert.NotNull(verdict.Offset);
                }
            }

            // Strict accepts a subset of what kernel mode accepts; entries are listed exactly when kernel mode accepts.
            Assert.False(v.Strict.Valid && !v.Kernel.Valid, v.Name);
            Assert.Equal(v.Kernel.Valid, v.Entries is not null);
        }
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void Digest_matches_the_manifest(string name)
    {
        VectorCase v = Manifest[name];
        Assert.Equal(v.Digest, FullDigest(v.ReadBytes()));
    }

    [Fact]
    public void Digest_check_catches_a_single_flipped_bit_in_any_vector()
    {
        foreach (VectorCase v in Manifest.Vectors.Where(v => v.ReadBytes().Length > 0))
        {
            byte[] bytes = v.ReadBytes();
            foreach (int at in new[] { 0, bytes.Length / 2, bytes.Length - 1 })
            {
                bytes[at] ^= 0x01;
                Assert.NotEqual(v.Digest, FullDigest(bytes));
                bytes[at] ^= 0x01;
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void Strict_reader_gives_the_manifest_verdict(string name) => CheckVerdict(Manifest[name], KeyBlobMode.Strict);

    [Theory]
    [MemberData(nameof(AllVectors))]
    public void Kernel_reader_gives_the_manifest_verdict(string name) => CheckVerdict(Manifest[name], KeyBlobMode.Kernel);

    [Theory]
    [MemberData(nameof(StrictValidVectors))]
    public void Writer_reproduces_the_vector_byte_for_byte(string name)
    {
        VectorCase v = Manifest[name];
        byte[] expected = v.ReadBytes();
        KeyBlobKey[] keys = v.Entries!
            .Select(e => new KeyBlobKey(e.DescriptionBytes(), Convert.FromHexString(e.KeyHex)))
            .ToArray();

        // Fill with a marker so any byte the writer fails to write shows up.
        byte[] written = new byte[KeyBlobWriter.GetRequiredSize(keys.Length) + 8];
        written.AsSpan().Fill(0xA5);
        Assert.True(KeyBlobWriter.Write(keys, written, new KeyBlobWriteOptions { ByteOrder = v.Order }, out int size, out KeyBlobProblem problem) == OperationStatus.Done, problem.ToString());
        Assert.Equal(expected.Length, size);
        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(written.AsSpan(0, size)));
        Assert.All(written[size..], b => Assert.Equal(0xA5, b));
    }

    [Theory]
    [MemberData(nameof(StrictValidVectors))]
    public void Valid_vector_read_in_the_other_byte_order_is_refused_or_different(string name)
    {
        // A blob read in the wrong order must not silently decode to the same keys.
        VectorCase v = Manifest[name];
        KeyBlobByteOrder other = v.Order == KeyBlobByteOrder.LittleEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
        Assert.False(KeyBlobReader.TryRead(v.ReadBytes(), new KeyBlobReadOptions { ByteOrder = other, Mode = KeyBlobMode.Kernel }, out _, out KeyBlobProblem problem));
        Assert.Equal(KeyBlobError.CountTooLarge, problem.Error);
    }

    private static void CheckVerdict(VectorCase v, KeyBlobMode mode)
    {
        VectorVerdict expected = mode == KeyBlobMode.Strict ? v.Strict : v.Kernel;
        byte[] bytes = v.ReadBytes();
        KeyBlobReadOptions options = v.Options(mode);

        bool valid = KeyBlobReader.TryRead(bytes, options, out KeyBlob blob, out KeyBlobProblem problem);
        Assert.Equal(expected, VectorVerdict.Of(valid, problem));

        // CollectProblems reports the same rule first, and nothing at all for a valid blob.
        var all = new KeyBlobProblem[64];
        int found = KeyBlobReader.CollectProblems(bytes, options, all);
        Assert.Equal(valid, found == 0);
        if (!valid)
        {
            Assert.Equal(problem, all[0]);
            return;
        }

        var decoded = new List<VectorEntry>();
        foreach (KeyBlobEntry entry in blob)
        {
            decoded.Add(VectorEntry.Create(entry.Index, entry.Description, entry.Key));
        }

        Assert.Equal(v.Entries!, decoded);
        Assert.Equal(KeyBlobLayout.HeaderSize + (KeyBlobLayout.EntrySize * decoded.Count), blob.Size);
    }

    [Fact]
    public void Printable_descriptions_are_text_and_others_hex()
    {
        VectorEntry text = VectorEntry.Create(0, "svc:x"u8, [1]);
        VectorEntry hex = VectorEntry.Create(0, "svc:\n"u8, [1]);
        Assert.Equal(("svc:x", (string?)null), (text.Description, text.DescriptionHex));
        Assert.Equal(((string?)null, "7376633a0a"), (hex.Description, hex.DescriptionHex));
        Assert.Equal(Encoding.ASCII.GetBytes("svc:\n"), hex.DescriptionBytes());
    }
}
