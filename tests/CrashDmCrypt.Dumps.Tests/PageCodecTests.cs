using System.IO.Compression;
using CrashDmCrypt.Dumps.Compression;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>zlib, snappy and zstd pages read through the system's libraries agree with the managed fallbacks; reading a compressed page allocates nothing.</summary>
public class PageCodecTests
{
    private const int Page = 4096;

    private delegate DumpError PageReader(ReadOnlySpan<byte> source, Span<byte> page);

    // Each reader keeps its decompressor for the test run: state carried from one page to the next is part of what is tested.
    private static PageReader Native(DumpCompression method) => PageDecompressor.CreateNative(method)!.Decompress;

    private static PageReader Managed(DumpCompression method) => PageDecompressor.CreateManaged(method).Decompress;

    [ToolFact("libz")]
    public void Zlib_native_and_managed_readers_agree_on_good_cut_and_damaged_pages()
    {
        var random = new Random(9);
        var cases = new List<(byte[] Input, byte[] Page, bool Cut)>();
        foreach (byte[] page in Pages(random))
        {
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.NoCompression })
            {
                AddDamaged(cases, KdumpBuilder.Zlib(page, level), page, random);
            }
        }

        // Which refusal can differ on a cut stream: libz.so.1 decodes the bits already read and sees a page that goes on
        // (size mismatch), ZLibStream stops at the end of its input (no trailer). A flip taken is one in bits the format
        // ignores (the padding after the last block, a stored block's header): the Adler-32 trailer sees every other.
        // libdeflate, where it is the native reader, also takes a few flips that zlib calls an invalid literal/length code
        // (in a repetitive page, a flip to one of the fixed code's unused length symbols can still decode to the page, and
        // the checksum then matches).
        int good = AssertAgree(
            Native(DumpCompression.Zlib), Managed(DumpCompression.Zlib), cases, checksummed: true, managedMayTakeMore: false, nativeMayTakeMore: LibdeflateDecompressor.IsAvailable);
        Assert.InRange(good, 3 * 4, cases.Count);
    }

    [ToolFact("libdeflate")]
    public void Libdeflate_and_libz_agree_on_good_cut_and_damaged_pages()
    {
        Assert.IsType<LibdeflateDecompressor>(PageDecompressor.CreateNative(DumpCompression.Zlib));
        var random = new Random(11);
        var cases = new List<(byte[] Input, byte[] Page, bool Cut)>();
        foreach (byte[] page in Pages(random))
        {
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.SmallestSize, CompressionLevel.NoCompression })
            {
                AddDamaged(cases, KdumpBuilder.Zlib(page, level), page, random);
            }
        }

        // The codes may differ on a cut stream: libz sees a page that goes on (size mismatch), libdeflate bad data. libdeflate
        // takes a few flips zlib calls an invalid literal/length code; each still decodes to the page.
        using PageDecompressor libz = LibzDecompressor.TryCreate()!;
        using PageDecompressor libdeflate = LibdeflateDecompressor.TryCreate()!;
        int good = AssertAgree(libdeflate.Decompress, libz.Decompress, cases, checksummed: true, managedMayTakeMore: false, nativeMayTakeMore: true);
        Assert.InRange(good, 3 * 4, cases.Count);
    }

    [ToolFact("libdeflate")]
    public void Libdeflate_state_never_holds_a_page_and_is_zeroed_before_it_is_freed()
    {
        // libdeflate decodes straight into the page: neither a page read whole nor one that runs long leaves its key in the
        // state, which holds only code lengths and decode tables.
        byte[] key = TestData.Pattern(32, 7);
        using var libdeflate = LibdeflateDecompressor.TryCreate()!;
        foreach (int length in new[] { Page, Page + 1 })
        {
            byte[] page = new byte[length];
            key.CopyTo(page, 1000);
            byte[] output = new byte[Page];
            DumpError expected = length == Page ? DumpError.None : DumpError.DecompressionSizeMismatch;
            Assert.Equal(expected, libdeflate.Decompress(KdumpBuilder.Zlib(page), output));
            Assert.False(libdeflate.StateContains(key));
            Assert.False(libdeflate.StateContains(key.AsSpan(0, 8)));
        }

        // Cleared, the whole block malloc gave is zero (a 16-byte run of zeros is all of it, in steps).
        Assert.True(libdeflate.StateContains(new byte[1]));
        libdeflate.ClearState();
        Assert.False(libdeflate.StateContains([1]));
        for (int b = 1; b < 256; b++)
        {
            Assert.False(libdeflate.StateContains([(byte)b]));
        }
    }

    [ToolFact("libsnappy")]
    public void Snappy_native_and_managed_readers_agree_on_good_cut_and_damaged_pages()
    {
        var random = new Random(10);
        var cases = new List<(byte[] Input, byte[] Page, bool Cut)>();
        foreach (byte[] page in Pages(random))
        {
            AddDamaged(cases, Snappier.Snappy.CompressToArray(page), page, random);
        }

        // Snappy has no checksum: a flip in a literal decodes to another page, the same from both readers; the managed
        // reader refuses what libsnappy refuses, with the same error (SnappyDecompressorTests has more).
        int good = AssertAgree(Native(DumpCompression.Snappy), Managed(DumpCompression.Snappy), cases, checksummed: false, managedMayTakeMore: false, sameCode: true);
        Assert.InRange(good, 4, cases.Count);
    }

    [ToolFact("libzstd")]
    public void Zstd_native_and_managed_readers_agree_on_good_cut_and_damaged_pages()
    {
        var random = new Random(11);
        var cases = new List<(byte[] Input, byte[] Page, bool Cut)>();
        foreach (byte[] page in Pages(random))
        {
            foreach (int level in new[] { 1, 3, 19 })
            {
                AddDamaged(cases, new ZstdSharp.Compressor(level).Wrap(page).ToArray(), page, random);
            }
        }

        // libzstd 1.5.4 and ZstdSharp 0.8.8 (a port of zstd 1.5.7) refuse with the same code, but the older library
        // takes a few damaged blocks the newer refuses (28B52FFD60000F4D00001000000101FBF70116, a zero page with one bit
        // flipped in its sequences): a page both take is the same page.
        int good = AssertAgree(Native(DumpCompression.Zstd), Managed(DumpCompression.Zstd), cases, checksummed: false, managedMayTakeMore: false, sameCode: true, nativeMayTakeMore: true);
        Assert.InRange(good, 3 * 4, cases.Count);
    }

    [ToolTheory("libzstd")]
    [InlineData("bomb", DumpError.DecompressionFailed)]
    [InlineData("short", DumpError.DecompressionSizeMismatch)]
    [InlineData("long", DumpError.DecompressionFailed)]
    [InlineData("empty", DumpError.DecompressionFailed)]
    [InlineData("trailing", DumpError.DecompressionFailed)]
    [InlineData("trailing byte", DumpError.DecompressionFailed)]
    [InlineData("two frames", DumpError.DecompressionFailed)]
    [InlineData("two halves", DumpError.DecompressionFailed)]
    [InlineData("bad checksum", DumpError.DecompressionFailed)]
    [InlineData("cut", DumpError.DecompressionFailed)]
    public void Hostile_zstd_pages_get_the_same_error_from_both_readers(string shape, DumpError expected)
    {
        byte[] text = new ZstdSharp.Compressor(1).Wrap(Pages(new Random(1))[1]).ToArray();
        using var checksummed = new ZstdSharp.Compressor(1);
        checksummed.SetParameter(ZstdSharp.Unsafe.ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        byte[] withChecksum = checksummed.Wrap(Pages(new Random(1))[1]).ToArray();
        byte[] input = shape switch
        {
            "bomb" => new ZstdSharp.Compressor(1).Wrap(new byte[2 * Page]).ToArray(),
            "short" => new ZstdSharp.Compressor(1).Wrap(new byte[Page - 1]).ToArray(),
            "long" => new ZstdSharp.Compressor(1).Wrap(new byte[Page + 1]).ToArray(),
            "empty" => [],
            "trailing" => [.. text, 0x55, 0xAA],
            "trailing byte" => [.. text, 0x16],                                    // libzstd 1.5.4 alone ignores it
            "two halves" => [.. new ZstdSharp.Compressor(1).Wrap(new byte[Page / 2]).ToArray(), .. new ZstdSharp.Compressor(1).Wrap(new byte[Page / 2]).ToArray()],
            "two frames" => [.. text, .. new ZstdSharp.Compressor(1).Wrap(new byte[8]).ToArray()],
            "bad checksum" => [.. withChecksum[..^1], (byte)(withChecksum[^1] ^ 1)],
            _ => text[..^3],
        };
        Assert.Equal(expected, Native(DumpCompression.Zstd).Invoke(input, new byte[Page]));
        Assert.Equal(expected, Managed(DumpCompression.Zstd).Invoke(input, new byte[Page]));
    }

    [ToolFact("libz")]
    public void Libz_keeps_a_page_that_ran_long_in_its_window_until_the_state_is_zeroed()
    {
        // A stream longer than the page stops with output pending, and zlib copies what it wrote into its window: the
        // key is in the state until the state is zeroed (the heap zeroes every block when zlib frees it, too).
        byte[] key = TestData.Pattern(32, 7);
        byte[] page = new byte[Page + 1];
        key.CopyTo(page, 1000);
        byte[] packed = KdumpBuilder.Zlib(page);
        using PageDecompressor zlib = LibzDecompressor.TryCreate()!;
        Assert.Equal(DumpError.DecompressionSizeMismatch, zlib.Decompress(packed, new byte[Page]));
        Assert.True(zlib.StateContains(key));
        zlib.ClearState();
        Assert.False(zlib.StateContains(key));
    }

    [Theory]
    [InlineData(DumpCompression.Zlib)]
    [InlineData(DumpCompression.Lzo)]
    [InlineData(DumpCompression.Zstd)]
    public void The_decompressor_chosen_is_the_native_one_where_its_library_is_bound(DumpCompression method)
    {
        using PageDecompressor chosen = PageDecompressor.Create(method);
        using PageDecompressor? native = PageDecompressor.CreateNative(method);
        Assert.Equal(native?.GetType() ?? PageDecompressor.CreateManaged(method).GetType(), chosen.GetType());
    }

    [Fact]
    public void Snappy_pages_are_read_by_the_managed_decoder_whether_or_not_libsnappy_is_bound()
    {
        using PageDecompressor chosen = PageDecompressor.Create(DumpCompression.Snappy);
        Assert.IsType<SnappyDecompressor>(chosen);
    }

    // The intact block, every cut of it, and 40 single-bit flips.
    private static void AddDamaged(List<(byte[] Input, byte[] Page, bool Cut)> cases, byte[] packed, byte[] page, Random random)
    {
        cases.Add((packed, page, false));
        for (int cut = 0; cut < packed.Length; cut++)
        {
            cases.Add((packed[..cut], page, true));
        }

        for (int k = 0; k < 40; k++)
        {
            byte[] flipped = (byte[])packed.Clone();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            cases.Add((flipped, page, false));
        }
    }

    // Both readers take or both refuse each case (or, where allowed, the managed one takes a few more), never take a
    // cut block, and write the same page when they take one (the page compressed, when the format has a checksum);
    // returns how many both took.
    private static int AssertAgree(
        PageReader native, PageReader managed, List<(byte[] Input, byte[] Page, bool Cut)> cases, bool checksummed, bool managedMayTakeMore, bool sameCode = false, bool nativeMayTakeMore = false)
    {
        int more = 0;
        byte[] fromNative = new byte[Page];
        byte[] fromManaged = new byte[Page];
        int good = 0;
        foreach (var (input, page, cut) in cases)
        {
            Array.Fill(fromNative, (byte)0xEE);
            Array.Fill(fromManaged, (byte)0xEE);
            DumpError n = native(input, fromNative);
            DumpError m = managed(input, fromManaged);
            if ((managedMayTakeMore && m == DumpError.None && n != DumpError.None) || (nativeMayTakeMore && n == DumpError.None && m != DumpError.None))
            {
                // Behind a checksum, what the more lenient reader took must be the page itself.
                Assert.True(!checksummed || page.AsSpan().SequenceEqual(m == DumpError.None ? fromManaged : fromNative), $"input {Convert.ToHexString(input)}");
                more++;
                continue;
            }

            Assert.True((m == DumpError.None) == (n == DumpError.None), $"managed {m}, native {n}, input {Convert.ToHexString(input)}");
            Assert.True(!sameCode || m == n, $"managed {m}, native {n}, input {Convert.ToHexString(input)}");
            Assert.True(n is DumpError.None or DumpError.DecompressionFailed or DumpError.DecompressionSizeMismatch, n.ToString());
            Assert.True(m is DumpError.None or DumpError.DecompressionFailed or DumpError.DecompressionSizeMismatch, m.ToString());
            Assert.False(cut && n == DumpError.None, $"a block cut to {input.Length} bytes was taken");
            if (n == DumpError.None)
            {
                Assert.Equal(fromManaged, fromNative);
                if (checksummed)
                {
                    Assert.Equal(page, fromNative);
                }

                good++;
            }
        }

        Assert.InRange(more, 0, cases.Count / 20);
        return good;
    }

    [ToolTheory("libz")]
    [InlineData("bomb", DumpError.DecompressionSizeMismatch)]
    [InlineData("short", DumpError.DecompressionSizeMismatch)]
    [InlineData("long", DumpError.DecompressionSizeMismatch)]
    [InlineData("empty", DumpError.DecompressionSizeMismatch)]
    [InlineData("trailing", DumpError.DecompressionFailed)]
    [InlineData("two streams", DumpError.DecompressionFailed)]
    [InlineData("dictionary", DumpError.DecompressionFailed)]
    [InlineData("bad checksum", DumpError.DecompressionFailed)]
    public void Hostile_zlib_pages_get_the_same_error_from_both_readers(string shape, DumpError expected)
    {
        byte[] text = KdumpBuilder.Zlib(Pages(new Random(1))[1]);
        byte[] input = shape switch
        {
            "bomb" => KdumpBuilder.Zlib(new byte[2 * Page]),                      // two pages
            "short" => KdumpBuilder.Zlib(new byte[Page - 1]),
            "long" => KdumpBuilder.Zlib(new byte[Page + 1]),
            "empty" => [],
            "trailing" => [.. text, 0x55, 0xAA],                                   // bytes after the stream
            "two streams" => [.. text, .. KdumpBuilder.Zlib(new byte[8])],
            "dictionary" => [0x78, 0xBB, 0, 0, 0, 1],                              // FDICT: a preset dictionary is asked for
            _ => [.. text[..^1], (byte)(text[^1] ^ 1)],
        };
        Assert.Equal(expected, Native(DumpCompression.Zlib).Invoke(input, new byte[Page]));
        Assert.Equal(expected, Managed(DumpCompression.Zlib).Invoke(input, new byte[Page]));
        using PageDecompressor libz = LibzDecompressor.TryCreate()!;
        Assert.Equal(expected, libz.Decompress(input, new byte[Page]));
    }

    [ToolTheory("libsnappy")]
    [InlineData("bomb", DumpError.DecompressionSizeMismatch)]
    [InlineData("short", DumpError.DecompressionSizeMismatch)]
    [InlineData("long", DumpError.DecompressionSizeMismatch)]
    [InlineData("empty", DumpError.DecompressionFailed)]
    [InlineData("bad length", DumpError.DecompressionFailed)]
    [InlineData("trailing", DumpError.DecompressionFailed)]
    [InlineData("length lies", DumpError.DecompressionFailed)]
    public void Hostile_snappy_pages_get_the_same_error_from_both_readers(string shape, DumpError expected)
    {
        byte[] text = Snappier.Snappy.CompressToArray(Pages(new Random(1))[1]);
        byte[] input = shape switch
        {
            "bomb" => Snappier.Snappy.CompressToArray(new byte[2 * Page]),
            "short" => Snappier.Snappy.CompressToArray(new byte[Page - 1]),
            "long" => Snappier.Snappy.CompressToArray(new byte[Page + 1]),
            "empty" => [],
            "bad length" => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],                 // a varint that never ends
            "trailing" => [.. text, 0x00, 0x41],                                   // a literal after the block
            _ => [.. text[..^4]],                                                  // fewer bytes than the header says
        };
        Assert.Equal(expected, Native(DumpCompression.Snappy).Invoke(input, new byte[Page]));
        Assert.Equal(expected, Managed(DumpCompression.Snappy).Invoke(input, new byte[Page]));
    }

    [ToolTheory("libz", "liblzo2")]
    [InlineData(DumpCompression.Zlib, false)]
    [InlineData(DumpCompression.Zstd, false)]
    [InlineData(DumpCompression.Snappy, false)]
    [InlineData(DumpCompression.Lzo, false)]
    [InlineData(DumpCompression.Zlib, true)]
    public void A_compressed_page_read_through_a_kdump_dump_allocates_nothing(DumpCompression method, bool flattened)
    {
        var builder = new KdumpBuilder { Method = method, MaxMapNr = 64 };
        var random = new Random(4);
        for (ulong pfn = 0; pfn < 64; pfn++)
        {
            byte[] page = new byte[Page];
            for (int i = 0; i < Page; i += 8)
            {
                page[i] = (byte)random.Next(4);                                    // compressible, so stored as zlib
            }

            builder.Pages[pfn] = page;
        }

        // Flattened in records of 1000 bytes: most pages cross a record boundary and are read through a copy.
        byte[] file = builder.Build();
        using PhysicalMemory memory = TestData.Open(flattened ? KdumpBuilder.Flatten(file) : file);
        byte[] buffer = new byte[Page];
        long total = 0;
        long ReadAll()
        {
            for (ulong pfn = 0; pfn < 64; pfn++)
            {
                Assert.True(memory.TryRead(pfn * Page, buffer, out _));
                total += buffer[0];
            }

            return total;
        }

        // Tests run in parallel, and other threads' work now and then shows as a few KB on this thread's count (a
        // collection counts the unused rest of its allocation quantum, up to 8 KB; 3 KB turned up without one): the
        // least of up to 20 windows is kept. An allocation per page would show in every window (1,280 reads each).
        ReadAll();
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 20 && allocated != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 20; round++)
            {
                ReadAll();
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, allocated);
        Assert.True(total > 0);
    }

    [Theory]
    [InlineData(DumpCompression.None)]
    [InlineData(DumpCompression.Zlib)]
    public void Dumps_of_different_page_sizes_read_right_one_after_the_other_on_one_thread(DumpCompression method)
    {
        // The reader's per-thread buffers grow to the largest page met: a smaller page after a larger one must use only
        // its own length (a partial read of a 1 KiB page once took the 4 KiB buffer whole for the page).
        foreach (int blockSize in new[] { 4096, 1024, 4096, 1024 })
        {
            var builder = new KdumpBuilder { Method = method, BlockSize = blockSize, MaxMapNr = 8 };
            byte[] page = new byte[blockSize];
            for (int i = 0; i < blockSize; i += 3)
            {
                page[i] = (byte)(i / 3);
            }

            builder.Pages[2] = page;
            byte[] file = builder.Build();
            using PhysicalMemory memory = TestData.Open(method == DumpCompression.None ? file : KdumpBuilder.Flatten(file));
            byte[] part = new byte[100];
            Assert.True(memory.TryRead((2UL * (ulong)blockSize) + 10, part, out DumpProblem problem), problem.ToString());
            Assert.Equal(page[10..110], part);
        }
    }

    private static List<byte[]> Pages(Random random)
    {
        byte[] text = new byte[Page];
        for (int i = 0; i < Page; i++)
        {
            text[i] = (byte)"cryptsetup:volume-key "[i % 22];
        }

        byte[] noise = new byte[Page];
        random.NextBytes(noise);
        byte[] sparse = new byte[Page];
        sparse[100] = 1;
        sparse[Page - 1] = 2;
        return [new byte[Page], text, noise, sparse];
    }
}
