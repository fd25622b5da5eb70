using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// The scan's fast rules against their references, and its work counted, not timed: the filtered form search finds what
/// one table probe per grid position finds; the bounded candidate test never turns away a blob or entry the codec
/// accepts, and turns away every candidate of memory that merely looks like key sizes and descriptions.
/// </summary>
public class ScanWorkTests
{
    // Many keys (16-byte ones among them: 8-byte halves, the shortest stride), copies planted at every alignment, and
    // every third page zero with copies ending at each zero page and starting where its last bytes are the copy's leading
    // zeros (a key's second half starts with three zero bytes: the word across the page's end is an anchor, and probed).
    // With four zero bytes an anchor word is zero: then no page is passed over, and the copy in the zero page is found.
    [Theory]
    [InlineData(1, false)]
    [InlineData(40, false)]
    [InlineData(40, true)]
    public void The_filtered_form_search_finds_what_probing_every_grid_position_finds(int keyCount, bool zeroTail)
    {
        using var keys = new KeySet();
        var random = new Random(keyCount);
        for (int k = 0; k < keyCount; k++)
        {
            byte[] key = new byte[(k % 3) switch { 0 => 16, 1 => 32, _ => 64 }];
            random.NextBytes(key);
            if (k == 1)
            {
                key.AsSpan(16, zeroTail ? 4 : 3).Clear();
            }

            keys.Add(Encoding.ASCII.GetBytes($"cryptsetup:{k}"), key);
        }

        using FormPatterns patterns = FormPatterns.Create(keys, bigEndian: true);
        Assert.Equal(!zeroTail, patterns.SkipsZeroPages);
        int zeroLed = Enumerable.Range(0, patterns.Count).FirstOrDefault(i => !patterns.Bytes(i)[..3].ContainsAnyExcept((byte)0), -1);
        int leadingZeros = zeroLed < 0 ? 0 : patterns.Bytes(zeroLed).IndexOfAnyExcept((byte)0);
        Assert.Equal(keyCount > 1 ? (zeroTail ? 4 : 3) : 0, leadingZeros);
        foreach (var (from, to, address) in new[] { (0, 1 << 20, 0UL), (3, (1 << 20) - 300, 2UL), (17, 1 << 19, 4UL), (5, 1 << 20, 4095UL) })
        {
            byte[] data = TestData.Pattern(1 << 20, 3);
            int firstPage = (int)((4096 - (address % 4096)) % 4096);
            var zeroPages = new List<int>();
            for (int page = firstPage; page + 4096 <= data.Length; page += 3 * 4096)
            {
                data.AsSpan(page, 4096).Clear();
                zeroPages.Add(page);
            }

            for (int i = 0; i < patterns.Count; i++)
            {
                int at = 1000 + (i * 613) + (i % 7);
                patterns.Bytes(i).CopyTo(data.AsSpan(at % (data.Length - patterns.MaxLength)));
            }

            for (int z = 0; z < zeroPages.Count; z++)
            {
                ReadOnlySpan<byte> copy = patterns.Bytes(z % patterns.Count);
                int page = zeroPages[z];
                if (page >= copy.Length)
                {
                    copy.CopyTo(data.AsSpan(page - copy.Length));
                }

                int after = page + 4096 - leadingZeros;
                copy = zeroLed >= 0 ? patterns.Bytes(zeroLed) : copy;
                if (after + copy.Length <= data.Length)
                {
                    copy.CopyTo(data.AsSpan(after));
                }
            }

            var fast = new List<(int, int)>();
            var reference = new List<(int, int)>();
            patterns.Search(data, from, to, address, fast);
            patterns.SearchByTableOnly(data, from, to, address, reference);
            Assert.NotEmpty(reference);
            Assert.Equal(reference, fast);
        }
    }

    private static byte[] Entry(int keySize, string description, int seed)
    {
        byte[] entry = new byte[KeyBlobLayout.EntrySize];
        BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)keySize);
        Encoding.ASCII.GetBytes(description).CopyTo(entry, KeyBlobLayout.DescriptionOffset);
        var random = new Random(seed);
        for (int i = 0; i < keySize; i++)
        {
            entry[KeyBlobLayout.DataOffset + i] = (byte)(random.Next(255) + 1);
        }

        return entry;
    }

    // Reference: what the scan reports for the entry at 64 in a window of zeros (a lone entry), found through the codec.
    private static (bool Found, bool Cheap) Decide(byte[] entry)
    {
        byte[] window = new byte[64 + KeyBlobLayout.EntrySize + 64];
        entry.CopyTo(window, 64);
        var hits = new List<WindowScanner.Hit>();
        WindowScanner.Scan(window, 0, window.Length, ScanByteOrders.Little, hits);
        return (hits.Exists(h => h.Offset == 64), WindowScanner.MayBeFinding(window, 64, KeyBlobByteOrder.LittleEndian));
    }

    // A freed copy carries one freelist pointer (8 bytes) in its padding: found wherever it lands, and turned away by the
    // cheap test only when the non-zero padding spreads wider, as the codec-side rule turns it away.
    [Fact]
    public void The_bounded_test_keeps_every_entry_the_codec_accepts()
    {
        const int KeySize = 48;
        const string Description = "cryptsetup:2f0c";
        int descriptionPadding = KeyBlobLayout.DescriptionOffset + Description.Length + 1;
        int dataPadding = KeyBlobLayout.DataOffset + KeySize;
        Assert.Equal((true, true), Decide(Entry(KeySize, Description, 1)));
        foreach (int start in (int[])[descriptionPadding, 60, KeyBlobLayout.DataOffset - 8, KeyBlobLayout.DataOffset - 4, dataPadding, 300, KeyBlobLayout.EntrySize - 8])
        {
            for (int width = 1; width <= 9; width++)
            {
                byte[] entry = Entry(KeySize, Description, start);
                int end = Math.Min(start + width, KeyBlobLayout.EntrySize);
                for (int i = start; i < end; i++)
                {
                    // Bytes in the key stay the key's; only padding bytes change.
                    if (i >= descriptionPadding && (i < KeyBlobLayout.DataOffset || i >= dataPadding))
                    {
                        entry[i] = 0xA5;
                    }
                }

                (bool found, bool cheap) = Decide(entry);
                Assert.True(!found || cheap, $"pointer at {start}, {width} bytes: found but turned away by the cheap test");
                int[] padding = Enumerable.Range(descriptionPadding, KeyBlobLayout.EntrySize - descriptionPadding)
                    .Where(i => (i < KeyBlobLayout.DataOffset || i >= dataPadding) && entry[i] != 0).ToArray();
                int first = padding.Length == 0 ? -1 : padding[0];
                int last = padding.Length == 0 ? -1 : padding[^1];
                Assert.True((first < 0 || last - first < 8) == found, $"pointer at {start}, {width} bytes: spread {first}..{last}, found {found}");
            }
        }
    }

    // The adversarial content of bench/make-scan-image.py: words such as "cryptsetup:" between u32 ones (each a key_size
    // candidate followed by a description-like start), and arrays of small integers. Candidates abound; none reaches the
    // codec, so the time per byte does not depend on how many there are.
    [Fact]
    public void Memory_that_looks_like_entries_never_reaches_the_codec()
    {
        foreach (byte[] window in LookAlikes(5))
        {
            int candidates = 0;
            int reachCodec = 0;
            for (int p = 0; p + 8 <= window.Length; p += 4)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan(p)) - 1 < KeyBlobLayout.MaxKeySize)
                {
                    candidates++;
                    reachCodec += WindowScanner.MayBeFinding(window, p, KeyBlobByteOrder.LittleEndian) ? 1 : 0;
                }
            }

            Assert.True(candidates > window.Length / 64, $"{candidates} candidates");
            Assert.Equal(0, reachCodec);
            var hits = new List<WindowScanner.Hit>();
            WindowScanner.Scan(window, 0, window.Length, ScanByteOrders.Both, hits);
            Assert.Empty(hits);
        }
    }

    // Text between u32 ones and arrays of small integers: 64 KiB of each.
    private static byte[][] LookAlikes(int seed)
    {
        byte[] text = new byte[1 << 16];
        int at = 0;
        string[] words = ["cryptsetup:", "cryptsetup", "logon", "user:", "dm-crypt", "a:b", "cryptsetup:luks-"];
        var random = new Random(seed);
        while (at + 24 <= text.Length)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(text.AsSpan(at), 1);
            byte[] word = Encoding.ASCII.GetBytes(words[random.Next(words.Length)]);
            word.CopyTo(text, at + 4);
            at += 4 + ((word.Length + 3) & ~3);
        }

        byte[] integers = new byte[1 << 16];
        for (int i = 0; i < integers.Length; i += 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(integers.AsSpan(i), (uint)random.Next(300));
        }

        return [text, integers];
    }

    // The block-wide padding test drops a candidate only where the candidate test turns it away in both byte orders:
    // checked on look-alike memory (where it drops nearly every candidate) and on entries planted among it, strict and
    // freed (a freelist pointer at every place in the description padding), at every 4-byte alignment in a block.
    [Fact]
    public void The_block_wide_padding_test_drops_only_what_the_candidate_test_turns_away()
    {
        var random = new Random(7);
        byte[][] windows = LookAlikes(7);
        byte[] mixed = (byte[])windows[0].Clone();
        for (int at = 64, n = 0; at + KeyBlobLayout.EntrySize + 200 <= mixed.Length; at += KeyBlobLayout.EntrySize + 4 + (4 * random.Next(40)), n++)
        {
            byte[] entry = Entry(1 + random.Next(256), $"cryptsetup:{n:x}", n);
            int pointer = KeyBlobLayout.DescriptionOffset + 16 + random.Next(KeyBlobLayout.DescriptionFieldLength - 16);
            if (n % 2 == 1)
            {
                random.NextBytes(entry.AsSpan(pointer, Math.Min(8, KeyBlobLayout.DataOffset - pointer)));
            }

            entry.CopyTo(mixed, at);
        }

        int dropped = 0;
        int kept = 0;
        foreach (byte[] window in (byte[][])[.. windows, mixed])
        {
            for (int i = 0; i + WindowScanner.SpreadReach <= window.Length; i += 64)
            {
                ulong candidates = WindowScanner.BlockCandidates(window, i, little: true, big: true);
                ulong after = WindowScanner.WithoutWideSpread(window, i, candidates);
                Assert.Equal(0UL, after & ~candidates);
                for (ulong gone = candidates & ~after; gone != 0; gone &= gone - 1)
                {
                    int p = i + System.Numerics.BitOperations.TrailingZeroCount(gone);
                    Assert.False(WindowScanner.MayBeFinding(window, p, KeyBlobByteOrder.LittleEndian), $"dropped at {p}");
                    Assert.False(WindowScanner.MayBeFinding(window, p, KeyBlobByteOrder.BigEndian), $"dropped at {p}");
                    dropped++;
                }

                kept += System.Numerics.BitOperations.PopCount(after);
            }
        }

        // Look-alike text's candidates nearly all go; the planted entries' stay.
        Assert.True(dropped > 10 * kept, $"{dropped} dropped, {kept} kept");
    }

    // The block-wide padding test decides without branches (bit tricks for the first NUL and the spread); it must drop
    // exactly the candidates whose field, read byte by byte, has non-zero bytes after its first NUL (among its first 64)
    // whose first and last are 8 or more apart. Masks of every density, NULs at the field's ends, all 16 word positions.
    [Fact]
    public void The_block_wide_padding_test_is_the_byte_by_byte_rule()
    {
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.Int[0, 3], Gen.Int[0, 3]).Sample((candidates, zeros, zerosNext, thinZeros, thinNext) =>
        {
            // Random masks are dense; AND-ing thins them, OR-ing fills them, so the first NUL falls anywhere, or nowhere.
            zeros = Shape(zeros, thinZeros);
            zerosNext = Shape(zerosNext, thinNext);
            candidates &= 0x1111_1111_1111_1111UL;
            ulong expected = candidates;
            for (int b = 0; b < 64; b += 4)
            {
                if ((candidates >> b & 1) == 0)
                {
                    continue;
                }

                // Field byte j is block byte 4 + b + j: zero mask bit b + j of zeros, or bit b + j - 64 of zerosNext.
                int nul = -1;
                int first = -1;
                int last = -1;
                for (int j = 0; j < 64; j++)
                {
                    int at = b + j;
                    bool zero = at < 64 ? (zeros >> at & 1) != 0 : (zerosNext >> (at - 64) & 1) != 0;
                    if (nul < 0)
                    {
                        nul = zero ? j : -1;
                    }
                    else if (!zero)
                    {
                        first = first < 0 ? j : first;
                        last = j;
                    }
                }

                if (first >= 0 && last - first >= sizeof(ulong))
                {
                    expected &= ~(1UL << b);
                }
            }

            Assert.Equal(expected, WindowScanner.WithoutWideSpread(candidates, zeros, zerosNext));
        }, iter: 200_000);

        static ulong Shape(ulong mask, int how) => how switch
        {
            0 => mask,
            1 => mask & (mask >> 7) & (mask >> 13),
            2 => mask | (mask << 5) | (mask << 11),
            _ => mask == 0 ? 0 : 1UL << (int)(mask % 64),
        };
    }

    // makedumpfile leaves out zero and other excluded pages, so a real dump is many short stored runs, each its own small
    // window. Scanned on two threads, each stretch of page data is still read once: consecutive windows go to one thread
    // in runs, and each thread's reads take back the read state whose read-ahead holds what follows its last read. Handed
    // out one window at a time, a window's read-ahead ran into the other thread's next windows, which read them again.
    [Fact]
    public void A_kdump_of_many_short_stored_runs_is_read_about_once_on_two_threads()
    {
        var builder = new KdumpBuilder { Method = DumpCompression.None, MaxMapNr = 6144 };
        for (ulong pfn = 0; pfn < builder.MaxMapNr; pfn++)
        {
            if (pfn % 4 == 3)
            {
                builder.Excluded.Add(pfn);
            }
            else
            {
                builder.Pages[pfn] = TestData.Pattern(4096, (int)pfn);
            }
        }

        byte[] file = builder.Build();
        var source = new TestSource(file);
        Assert.True(DumpReader.TryOpen(source, default, out PhysicalMemory? memory, out _));
        using (memory)
        using (var keys = new KeySet())
        {
            DumpScanResult result = DumpScanner.ScanEveryForm(memory, keys, new DumpScanOptions { MaxDegreeOfParallelism = 2 });
            Assert.Equal(4608UL * 4096, result.BytesScanned);
        }

        // The page data once, the descriptors twice (the open's survey, then the pages' own), and each run's read-ahead
        // past its end: 1.05 times the file (1.34 times before, one window at a time).
        Assert.InRange(source.BytesRead, file.Length, file.Length * 11 / 10);
    }

    // The runs a parallel loop hands out: every window once, in address order, each run at least RunSize bytes but the
    // last, and no run longer than it needs (its last window is what brought it to the size).
    [Fact]
    public void Runs_of_windows_cover_each_window_once_in_order_each_at_least_a_window_in_size()
    {
        Gen.Int[0, 3000].Array[0, 400].Sample(sizes =>
        {
            ulong Bytes(int w) => (ulong)sizes[w] * 4096;
            List<Tuple<int, int>> runs = DumpScanner.Runs(sizes.Length, Bytes);
            int next = 0;
            foreach (var (from, to) in runs)
            {
                ulong sum = 0;
                for (int w = from; w < to; w++)
                {
                    sum += Bytes(w);
                }

                if (from != next || to <= from || (to < sizes.Length && sum < DumpScanner.RunSize) || sum - Bytes(to - 1) >= DumpScanner.RunSize)
                {
                    return false;
                }

                next = to;
            }

            return next == sizes.Length;
        }, iter: 2000);
    }
}
