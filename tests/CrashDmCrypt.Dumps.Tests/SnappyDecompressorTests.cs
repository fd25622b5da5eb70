using CrashDmCrypt.Dumps.Compression;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// The managed snappy decoder against libsnappy 1.1.9, the library makedumpfile and libkdumpfile call: on blocks made of
/// every kind of tag, valid and not, and on pages of several sizes, both give the same error, and the same page when
/// they take it.
/// </summary>
public class SnappyDecompressorTests
{
    [ToolFact("libsnappy")]
    public void Blocks_of_random_tags_get_what_libsnappy_gives()
    {
        using PageDecompressor native = PageDecompressor.CreateNative(DumpCompression.Snappy)!;
        using var managed = new SnappyDecompressor();
        int taken = 0, refused = 0;
        Gen.Select(Gen.Int, Gen.Int[0, 3]).Sample((seed, damage) =>
        {
            var random = new Random(seed);
            byte[] block = RandomBlock(random, out int pageLength);
            block = damage switch
            {
                1 => block[..random.Next(block.Length + 1)],
                2 => Flip(block, random),
                _ => block,
            };
            if (!SnappyDecompressor.TryReadLength(block, out uint declared, out _) || declared > 65536)
            {
                declared = (uint)pageLength;
            }

            byte[] fromNative = new byte[declared];
            byte[] fromManaged = new byte[declared];
            Array.Fill(fromNative, (byte)0xEE);
            Array.Fill(fromManaged, (byte)0xEE);
            DumpError n = native.Decompress(block, fromNative);
            DumpError m = managed.Decompress(block, fromManaged);
            Assert.True(n == m, $"libsnappy {n}, managed {m}, block {Convert.ToHexString(block)}");
            if (n == DumpError.None)
            {
                Assert.True(fromNative.AsSpan().SequenceEqual(fromManaged), $"pages differ, block {Convert.ToHexString(block)}");
                taken++;
            }
            else
            {
                refused++;
            }
        }, iter: 20_000, threads: 1);

        // The generator makes both kinds in earnest: neither side of the comparison is left untried.
        Assert.InRange(taken, 2_000, 18_000);
        Assert.InRange(refused, 2_000, 18_000);
    }

    [ToolTheory("libsnappy")]
    [InlineData("05" + "0041" + "0100", "a copy from offset 0", DumpError.DecompressionFailed)]
    [InlineData("05" + "0041" + "0102", "a copy from before the page", DumpError.DecompressionFailed)]
    [InlineData("04" + "0041" + "0501", "a copy past the page's end", DumpError.DecompressionFailed)]
    [InlineData("05" + "0041" + "0F01000000", "a copy with a 4-byte offset", DumpError.None)]
    [InlineData("05" + "0041" + "0F00000100", "a 4-byte offset far before the page", DumpError.DecompressionFailed)]
    [InlineData("05" + "0041" + "0E01", "a 2-byte-offset copy cut after one byte", DumpError.DecompressionFailed)]
    [InlineData("05" + "0041" + "0F010000", "a 4-byte-offset copy cut after three bytes", DumpError.DecompressionFailed)]
    [InlineData("05" + "0041" + "01", "a 1-byte-offset copy with no offset byte", DumpError.DecompressionFailed)]
    [InlineData("02" + "0441", "a last literal that runs past the input", DumpError.DecompressionFailed)]
    [InlineData("02" + "F001" + "4142", "a literal with its length in one byte after the tag", DumpError.None)]
    [InlineData("02" + "FC01000000" + "4142", "a literal with its length in four bytes after the tag", DumpError.None)]
    [InlineData("02" + "FCFFFFFFFF" + "4142", "a literal four bytes say is 2^32 long", DumpError.DecompressionFailed)]
    [InlineData("02" + "F401", "a literal whose length bytes are cut", DumpError.DecompressionFailed)]
    [InlineData("8280808000" + "044142", "a length in five bytes", DumpError.None)]
    [InlineData("8280808010" + "044142", "a length whose fifth byte is 16", DumpError.DecompressionFailed)]
    [InlineData("828080808000", "a length in six bytes", DumpError.DecompressionFailed)]
    [InlineData("02" + "044142" + "0043", "a literal after the page is full", DumpError.DecompressionFailed)]
    [InlineData("03" + "044142", "a block that ends before the page is full", DumpError.DecompressionFailed)]
    [InlineData("00", "an empty page", DumpError.None)]
    [InlineData("", "no bytes at all", DumpError.DecompressionFailed)]
    public void Each_rule_gives_what_libsnappy_gives(string hex, string what, DumpError expected)
    {
        byte[] block = Convert.FromHexString(hex);
        int length = SnappyDecompressor.TryReadLength(block, out uint declared, out _) && declared <= 64 ? (int)declared : 2;
        using PageDecompressor native = PageDecompressor.CreateNative(DumpCompression.Snappy)!;
        byte[] fromNative = new byte[length];
        byte[] fromManaged = new byte[length];
        DumpError n = native.Decompress(block, fromNative);
        DumpError m = new SnappyDecompressor().Decompress(block, fromManaged);
        Assert.True(n == expected && m == expected, $"{what}: libsnappy {n}, managed {m}, expected {expected}");
        if (n == DumpError.None)
        {
            Assert.Equal(fromNative, fromManaged);
        }
    }

    [Fact]
    public void A_block_far_longer_than_its_page_is_refused_after_at_most_a_page_of_tags()
    {
        // 16 MiB of 4-byte copies after a 1-byte literal, for a 4 KiB page: every tag writes at least one byte, so the
        // tag after the page is full is refused, and the rest of the block is never read (work bounded by the page).
        byte[] block = new byte[16 << 20];
        block[0] = 0x80;
        block[1] = 0x20;                                           // 4096
        block[2] = 0x00;                                           // a 1-byte literal
        block[3] = 0x41;
        for (int at = 4; at + 1 < block.Length; at += 2)
        {
            block[at] = 0x01;                                      // copy 4 bytes from 1 back
            block[at + 1] = 0x01;
        }

        Assert.Equal(DumpError.DecompressionFailed, new SnappyDecompressor().Decompress(block, new byte[4096]));
    }

    [Fact]
    public void Repeats_of_every_short_pattern_fill_the_page_to_its_last_byte()
    {
        // A literal of 1..20 bytes, then copies of that pattern up to the page's end: the wide copies' slack near the end
        // of the page and the pattern's doubling are where a decoder slips.
        foreach (int pageLength in new[] { 64, 100, 4096 })
        {
            for (int pattern = 1; pattern <= 20; pattern++)
            {
                byte[] page = new byte[pageLength];
                for (int i = 0; i < pageLength; i++)
                {
                    page[i] = (byte)(1 + (i % pattern));
                }

                var block = new List<byte>();
                WriteLength(block, (uint)pageLength);
                block.Add((byte)((pattern - 1) << 2));
                block.AddRange(page[..pattern]);
                for (int at = pattern; at < pageLength;)
                {
                    int run = Math.Min(64, pageLength - at);
                    block.Add((byte)(((run - 1) << 2) | 2));
                    block.Add((byte)pattern);
                    block.Add(0);
                    at += run;
                }

                byte[] decoded = new byte[pageLength];
                Assert.Equal(DumpError.None, new SnappyDecompressor().Decompress(block.ToArray(), decoded));
                Assert.Equal(page, decoded);
            }
        }
    }

    // A block of random tags: literals (short and long forms, lengths up to 300), copies with each offset width, offsets
    // mostly inside what is written so far, lengths that now and then overrun the page; a declared length that now and
    // then is not the output's, or is written in more bytes than it needs.
    private static byte[] RandomBlock(Random random, out int pageLength)
    {
        pageLength = random.Next(4) switch
        {
            0 => 4096,
            1 => random.Next(1, 200),
            2 => 65536,
            _ => random.Next(1, 5000),
        };
        var tags = new List<byte>();
        int written = 0;
        while (written < pageLength && tags.Count < 70_000)
        {
            int room = pageLength - written;
            int kind = written == 0 ? 0 : random.Next(4);
            if (kind == 0)
            {
                int length = random.Next(8) == 0 ? random.Next(1, 301) : random.Next(1, 17);
                length = random.Next(40) == 0 ? length : Math.Min(length, room);
                int extra = length > 60 || random.Next(10) == 0 ? random.Next(1, 5) : 0;
                if (extra > 0 && extra < 4 && (length - 1) >> (8 * extra) != 0)
                {
                    extra = 4;
                }

                tags.Add((byte)(extra == 0 ? (length - 1) << 2 : (59 + extra) << 2));
                for (int i = 0; i < extra; i++)
                {
                    tags.Add((byte)((length - 1) >> (8 * i)));
                }

                for (int i = 0; i < length; i++)
                {
                    tags.Add((byte)(random.Next(3) == 0 ? random.Next(256) : random.Next(4)));
                }

                written += length;
                continue;
            }

            int offset = random.Next(30) == 0 ? random.Next(0, written + 3) : random.Next(1, Math.Min(written, random.Next(2) == 0 ? 20 : 70_000) + 1);
            int maxLength = kind == 1 ? 11 : 64;
            int minLength = kind == 1 ? 4 : 1;
            int copy = random.Next(minLength, maxLength + 1);
            copy = random.Next(40) == 0 ? copy : Math.Max(minLength, Math.Min(copy, room));
            switch (kind)
            {
                case 1 when offset < 2048:
                    tags.Add((byte)(1 | ((copy - 4) << 2) | ((offset >> 8) << 5)));
                    tags.Add((byte)offset);
                    break;
                case 1 or 2:
                    tags.Add((byte)(2 | ((copy - 1) << 2)));
                    tags.Add((byte)offset);
                    tags.Add((byte)(offset >> 8));
                    break;
                default:
                    tags.Add((byte)(3 | ((copy - 1) << 2)));
                    tags.AddRange(BitConverter.GetBytes(random.Next(50) == 0 ? (uint)random.Next() * 2 : (uint)offset));
                    break;
            }

            written += copy;
        }

        var block = new List<byte>();
        uint declared = random.Next(20) == 0 ? (uint)(written + random.Next(-2, 3)) : (uint)written;
        WriteLength(block, declared);
        if (random.Next(20) == 0)
        {
            block[^1] |= 0x80;
            block.Add(0);                                          // one byte more than the value needs: still taken
        }

        block.AddRange(tags);
        return [.. block];
    }

    private static void WriteLength(List<byte> block, uint value)
    {
        while (value >= 0x80)
        {
            block.Add((byte)(value | 0x80));
            value >>= 7;
        }

        block.Add((byte)value);
    }

    private static byte[] Flip(byte[] block, Random random)
    {
        byte[] flipped = (byte[])block.Clone();
        if (flipped.Length > 0)
        {
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
        }

        return flipped;
    }
}
