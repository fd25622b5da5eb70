using CrashDmCrypt.Fuzz;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// The dump fuzz targets: their seed corpus (src/Fuzz/corpus/dump-*, made here from the builders so it can be
/// regenerated with CDC_WRITE_DUMP_SEEDS=1), the CI replay of every corpus file, and a short deterministic mutation run.
/// </summary>
public class FuzzTests
{
    public static readonly string[] Targets = ["dump-elf", "dump-kdump", "dump-flattened", "dump-lime", "dump-forms", "snappy-page"];

    private static string Corpus(string target) => Path.Combine(RepoPaths.Root, "src", "Fuzz", "corpus", target);

    /// <summary>Small dumps of each format with blobs in them (kdump pages of 1 KiB keep seeds small).</summary>
    public static IEnumerable<(string Target, string Name, byte[] Bytes)> Seeds()
    {
        byte[] blob = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "two-keys.bin"));
        byte[] bigBlob = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "big-endian-3-keys.bin"));
        byte[] memory = new byte[2048];
        blob.CopyTo(memory, 8);
        foreach (bool is64 in new[] { true, false })
        {
            foreach (bool big in new[] { false, true })
            {
                var elf = new ElfBuilder(is64, big) { VmcoreInfo = "OSRELEASE=6.12.0\nPAGESIZE=4096\nCRASHTIME=1700000000\n" }
                    .Load(0x2000, memory, 4096)
                    .Load(0x1000, bigBlob);
                yield return ("dump-elf", $"gen-elf{(is64 ? 64 : 32)}-{(big ? "be" : "le")}", elf.Build());
            }
        }

        foreach (DumpCompression method in new[] { DumpCompression.None, DumpCompression.Zlib, DumpCompression.Snappy, DumpCompression.Zstd, DumpCompression.Lzo })
        {
            if (method == DumpCompression.Lzo && !Compression.Lzo.IsAvailable)
            {
                continue;
            }

            foreach (bool is64 in new[] { true, false })
            {
                var kdump = new KdumpBuilder
                {
                    Method = method, Is64 = is64, BigEndian = !is64, BlockSize = 1024, MaxMapNr = 16, Machine = is64 ? "x86_64" : "i686",
                    VmcoreInfo = "OSRELEASE=6.12.0\nPAGESIZE=1024\n",
                };
                byte[] page = new byte[1024];
                blob.CopyTo(page.AsSpan(24));
                kdump.Pages[1] = page;
                kdump.Pages[2] = KdumpTests.Compressible(2)[..1024];
                kdump.Pages[3] = new byte[1024];
                kdump.Excluded.Add(5);
                string name = $"gen-{method.ToString().ToLowerInvariant()}-{(is64 ? "64le" : "32be")}";
                byte[] file = kdump.Build();
                yield return ("dump-kdump", name, file);
                yield return ("dump-flattened", name, KdumpBuilder.Flatten(file, 700));
            }
        }

        yield return ("dump-lime", "gen-two-ranges", LimeBuilder.Build((0x1000, memory), (0x100000, bigBlob)));
        yield return ("dump-lime", "gen-one-byte", LimeBuilder.Build((0, [7])));

        // dump-forms: a header whose SHA-512 is the key, then a dump holding the key's forms (raw images get more planted).
        foreach (var (name, header) in new[] { ("gen-raw-xts", new byte[] { 0x3c, 0, 100, 1, 3, 2, 9, 0, 0 }), ("gen-zlib-kdump-aes256", [0x02, 0, 0, 0, 0, 0, 0, 0, 0]), ("gen-elf-aes128", [0x00, 0, 0, 0, 0, 0, 0, 0, 0]) })
        {
            byte[] key = Fuzz.Targets.DumpFormsTarget.KeyFor(header);
            byte[] keyBlob = new byte[KeyBlobLayout(1)];
            Codec.KeyBlobWriter.Write([new Codec.KeyBlobKey("cryptsetup:fuzz"u8.ToArray(), key)], keyBlob, out _, out _);
            byte[] schedule = Schedule(key.Length > 32 ? key[(key.Length / 2)..] : key);
            byte[] page = new byte[1024];
            keyBlob.AsSpan(0, Math.Min(keyBlob.Length, 400)).CopyTo(page.AsSpan(8));
            schedule.CopyTo(page.AsSpan(500));
            byte[] dump = name switch
            {
                "gen-raw-xts" => [.. page, .. new byte[2048]],
                "gen-zlib-kdump-aes256" => KdumpWith(page),
                _ => new ElfBuilder { VmcoreInfo = "OSRELEASE=6.12.0\nNOTE=" + Convert.ToHexString(key) + "\n" }.Load(0x2000, page).Build(),
            };
            if (name == "gen-elf-aes128")
            {
                // The key's raw bytes in the note too: file bytes outside memory, which scrub must zero all the same.
                byte[] withKey = [.. dump, .. key];
                dump = withKey;
            }

            yield return ("dump-forms", name, [.. header, .. dump]);
        }

        // dump-forms over whole pages, the middle one zero (which the form search passes over): a 16-byte key planted to end
        // where the zero page starts, its second half where it ends, its schedule in the last page (header: 0x3c is a
        // 16-byte key and all three forms; then their offsets 4080, 8192 and 9000).
        byte[] pages = new byte[3 * 4096];
        for (int i = 0; i < pages.Length; i++)
        {
            pages[i] = i / 4096 == 1 ? (byte)0 : (byte)((i * 7) + 1);
        }

        yield return ("dump-forms", "gen-raw-zero-page", [0x3c, 0x0f, 0xf0, 0x20, 0x00, 0x23, 0x28, 0, 0, .. pages]);

        // snappy-page: blocks of pages as the scan benchmarks' memory holds them (text, small integers, a zero page, a
        // short page) and of a 64 KiB page, as Snappier compresses them (makedumpfile's snappy makes the same kinds of tag).
        byte[] text = new byte[4096];
        byte[] integers = new byte[4096];
        for (int i = 0; i < 4096; i++)
        {
            text[i] = (byte)"cryptsetup:volume-key 0123 "[i % 27];
            integers[i] = (i % 4) == 0 ? (byte)(i / 97) : (byte)0;
        }

        yield return ("snappy-page", "gen-snappy-text", Snappier.Snappy.CompressToArray(text));
        yield return ("snappy-page", "gen-snappy-integers", Snappier.Snappy.CompressToArray(integers));
        yield return ("snappy-page", "gen-snappy-zero", Snappier.Snappy.CompressToArray(new byte[4096]));
        yield return ("snappy-page", "gen-snappy-short", Snappier.Snappy.CompressToArray(text.AsSpan(0, 100)));
        yield return ("snappy-page", "gen-snappy-64k", Snappier.Snappy.CompressToArray([.. text, .. integers, .. new byte[65536 - 8192]]));

        static int KeyBlobLayout(int count) => Codec.KeyBlobLayout.GetBlobSize(count);

        static byte[] Schedule(byte[] key)
        {
            uint[] encrypt = new uint[60];
            uint[] decrypt = new uint[60];
            Forms.AesKeyExpansion.Expand(key, encrypt, decrypt);
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(decrypt.AsSpan(0, Forms.AesKeyExpansion.ScheduleWords(key.Length))).ToArray();
        }

        static byte[] KdumpWith(byte[] page)
        {
            var kdump = new KdumpBuilder { Method = DumpCompression.Zlib, BlockSize = 1024, MaxMapNr = 16 };
            kdump.Pages[2] = page;
            kdump.Pages[3] = new byte[1024];
            return kdump.Build();
        }
    }

    [Fact]
    public void Seed_corpus_is_the_one_the_builders_make()
    {
        bool write = Environment.GetEnvironmentVariable("CDC_WRITE_DUMP_SEEDS") == "1";
        foreach (var (target, name, bytes) in Seeds())
        {
            string path = Path.Combine(Corpus(target), name);
            if (write)
            {
                Directory.CreateDirectory(Corpus(target));
                File.WriteAllBytes(path, bytes);
            }

            Assert.True(File.Exists(path), $"{path} is missing; run the tests with CDC_WRITE_DUMP_SEEDS=1");
            // Compressed seeds depend on the compression libraries' versions; the others must match exactly.
            bool compressed = name.Contains("zlib", StringComparison.Ordinal) || name.Contains("zstd", StringComparison.Ordinal)
                || name.Contains("snappy", StringComparison.Ordinal) || name.Contains("lzo", StringComparison.Ordinal);
            Assert.True(compressed || File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes), $"{path} differs from what the builders make; regenerate it");
        }
    }

    public static TheoryData<string, string> ReplayCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string target in Targets)
        {
            foreach (string file in Directory.Exists(Corpus(target)) ? Directory.GetFiles(Corpus(target)).Order(StringComparer.Ordinal).ToArray() : [])
            {
                data.Add(target, Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReplayCases))]
    public void Target_holds_its_invariants_on_its_corpus(string target, string file)
    {
        Assert.True(FuzzTargets.TryGet(target, out FuzzTarget? run));
        FuzzTargets.Execute(run, File.ReadAllBytes(Path.Combine(Corpus(target), file)));
    }

    [Theory]
    [InlineData("dump-elf")]
    [InlineData("dump-kdump")]
    [InlineData("dump-flattened")]
    [InlineData("dump-lime")]
    [InlineData("dump-forms")]
    [InlineData("snappy-page")]
    public void Targets_hold_their_invariants_on_mutated_seeds(string target)
    {
        Assert.True(FuzzTargets.TryGet(target, out FuzzTarget? run));
        var random = new Random(target.Length);
        foreach (var (_, _, seed) in Seeds().Where(s => s.Target == target))
        {
            for (int round = 0; round < 150; round++)
            {
                byte[] input = (byte[])seed.Clone();
                int edits = random.Next(1, 8);
                for (int e = 0; e < edits; e++)
                {
                    int at = random.Next(input.Length);
                    input[at] = random.Next(3) switch
                    {
                        0 => (byte)random.Next(256),
                        1 => (byte)(input[at] ^ (1 << random.Next(8))),
                        _ => (byte)(random.Next(2) == 0 ? 0 : 0xFF),
                    };
                }

                if (random.Next(10) == 0)
                {
                    input = input[..random.Next(input.Length)];
                }

                FuzzTargets.Execute(run, input);
            }
        }
    }
}
