using System.IO.Compression;
using CrashDmCrypt.Dumps.Compression;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>zlib pages read through libz.so.1 agree with the System.IO.Compression fallback; reading a compressed page allocates nothing (snappy: one small decoder).</summary>
public class PageCodecTests
{
    private const int Page = 4096;

    [ToolFact("libz")]
    public void The_native_and_the_managed_reader_agree_on_good_and_damaged_pages()
    {
        var random = new Random(9);
        var cases = new List<(byte[] Input, byte[] Page, bool Cut)>();
        foreach (byte[] page in Pages(random))
        {
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.NoCompression })
            {
                byte[] packed = Compress(page, level);
                cases.Add((packed, page, false));
                for (int cut = 0; cut < packed.Length; cut++)
                {
                    cases.Add((packed[..cut], page, true));                        // truncated, the trailer too
                }

                for (int k = 0; k < 40; k++)
                {
                    byte[] flipped = (byte[])packed.Clone();
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                    cases.Add((flipped, page, false));                             // damaged
                }
            }
        }

        byte[] native = new byte[Page];
        byte[] managed = new byte[Page];
        int good = 0;
        foreach (var (input, page, cut) in cases)
        {
            Array.Fill(native, (byte)0xEE);
            Array.Fill(managed, (byte)0xEE);
            DumpError n = Zlib.DecompressNative(input, native);
            DumpError m = Zlib.DecompressManaged(input, managed);

            // Both take or both refuse. Which refusal can differ on a cut stream: libz.so.1 decodes the bits already
            // read and sees a page that goes on (size mismatch), ZLibStream stops at the end of its input (no trailer).
            Assert.True((m == DumpError.None) == (n == DumpError.None), $"managed {m}, native {n}, input {Convert.ToHexString(input)}");
            Assert.False(cut && n == DumpError.None, $"a stream cut to {input.Length} bytes was taken");
            if (n == DumpError.None)
            {
                // A flip taken is one in bits the format ignores (the padding after the last block or a stored block's header).
                Assert.Equal(page, native);
                Assert.Equal(page, managed);
                good++;
            }
        }

        // At least every intact page (4 pages, 3 levels).
        Assert.InRange(good, 3 * 4, cases.Count);
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
    public void Hostile_pages_get_the_same_error_from_both_readers(string shape, DumpError expected)
    {
        byte[] text = Compress(Pages(new Random(1))[1], CompressionLevel.Optimal);
        byte[] input = shape switch
        {
            "bomb" => Compress(new byte[2 * Page], CompressionLevel.Optimal),      // two pages
            "short" => Compress(new byte[Page - 1], CompressionLevel.Optimal),
            "long" => Compress(new byte[Page + 1], CompressionLevel.Optimal),
            "empty" => [],
            "trailing" => [.. text, 0x55, 0xAA],                                   // bytes after the stream
            "two streams" => [.. text, .. Compress(new byte[8], CompressionLevel.Optimal)],
            "dictionary" => [0x78, 0xBB, 0, 0, 0, 1],                              // FDICT: a preset dictionary is asked for
            _ => [.. text[..^1], (byte)(text[^1] ^ 1)],
        };
        Assert.Equal(expected, Zlib.DecompressNative(input, new byte[Page]));
        Assert.Equal(expected, Zlib.DecompressManaged(input, new byte[Page]));
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

        ReadAll();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 20; round++)
        {
            ReadAll();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (method == DumpCompression.Snappy)
        {
            // Snappier 1.3.1 (the only version served) has no reusable decoder: Snappy.Decompress makes one per call.
            Assert.InRange(allocated, 0, 20 * 64 * 128);
        }
        else
        {
            Assert.Equal(0, allocated);
        }
        Assert.True(total > 0);
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

    private static byte[] Compress(byte[] data, CompressionLevel level)
    {
        var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, level, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }
}
