using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests.Vectors;

/// <summary>
/// The vectors and the manifest's derived fields (digest, entries) are reproducible from the C reference.
/// This test only checks, and fails when they are not; <c>dotnet run --project tools/RegenerateVectors</c>
/// rewrites them (spec/vectors/README.md).
/// </summary>
public class VectorRegenerationTests
{
    [Fact]
    public void Generator_reproduces_the_committed_vectors_and_manifest()
    {
        using var dir = new TempDirectory();
        ProcessResult gen = CReference.Run("gen-vectors", dir.Path);
        Assert.True(gen.ExitCode == 0, gen.StandardError);

        VectorManifest committed = VectorManifest.Load(VectorManifest.ManifestPath);
        string[] generated = Directory.GetFiles(dir.Path, "*.bin").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();
        string[] missing = generated.Except(committed.Vectors.Select(v => v.Name), StringComparer.Ordinal).ToArray();
        Assert.True(missing.Length == 0, "add hand-written expectations to manifest.json for: " + string.Join(", ", missing));

        VectorManifest expected = Derive(committed, dir.Path);
        string[] committedFiles = Directory.GetFiles(RepoPaths.Vectors, "*.bin").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(generated, committedFiles);
        foreach (string name in generated)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(dir.Path, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, name))),
                name + " differs from what `dmcrypt_ref gen-vectors` writes");
        }

        Assert.Equal(expected.Serialize(), committed.Serialize());
    }

    // Digest from the file; entries from the C reference's reading (not from the C# reader they will check).
    private static VectorManifest Derive(VectorManifest committed, string folder)
    {
        var derived = new List<VectorCase>();
        foreach (VectorCase v in committed.Vectors)
        {
            string path = Path.Combine(folder, v.Name);
            Assert.True(File.Exists(path), v.Name + " is in the manifest but gen-vectors does not write it");
            CReadResult c = Assert.Single(CReference.Read(v.Order == KeyBlobByteOrder.BigEndian, [path]));
            IReadOnlyList<VectorEntry>? entries = null;
            if (v.Kernel.Valid)
            {
                Assert.True(c.Ok, $"{v.Name}: the manifest says kernel mode accepts it, the C reference says {c.Error}");
                entries = c.Entries
                    .Select(e => VectorEntry.Create(e.Index, Convert.FromHexString(e.DescriptionHex), Convert.FromHexString(e.KeyHex)))
                    .ToArray();
            }

            derived.Add(v with { Digest = FullDigest(File.ReadAllBytes(path)), Entries = entries });
        }

        return committed with { Format = VectorManifest.FormatName, Vectors = derived };
    }
}
