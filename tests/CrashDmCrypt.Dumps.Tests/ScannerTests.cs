using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Tests;

public class ScannerTests
{
    private static byte[] Realistic(int length, int seed)
    {
        // Random bytes mixed with text and arrays of small integers, the things that look most like key_size words.
        byte[] image = new byte[length];
        var random = new Random(seed);
        int at = 0;
        while (at < length)
        {
            int n = Math.Min(length - at, random.Next(64, 4096));
            switch (random.Next(4))
            {
                case 0:
                    random.NextBytes(image.AsSpan(at, n));
                    break;
                case 1:
                    Encoding.ASCII.GetBytes(new string('x', n).Select((_, i) => "cryptsetup: key logon user\n"[(i + at) % 27]).ToArray()).CopyTo(image, at);
                    break;
                case 2:
                    for (int i = 0; i + 4 <= n; i += 4)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(at + i), (uint)random.Next(0, 300));
                    }

                    break;
            }

            at += n;
        }

        return image;
    }

    private static DumpScanResult ScanRaw(byte[] image, ulong? rawBase = null, ScanByteOrders orders = ScanByteOrders.Both)
    {
        using PhysicalMemory memory = TestData.Open(image, new DumpOpenOptions { RawBase = rawBase });
        return DumpScanner.Scan(memory, new DumpScanOptions { ByteOrders = orders });
    }

    [Fact]
    public void Finds_blobs_in_both_orders_lone_entries_and_blobs_across_window_boundaries()
    {
        byte[] image = Realistic(9 << 20, 1);
        byte[] two = Fixtures.Vector("two-keys.bin");
        byte[] big = Fixtures.Vector("big-endian-3-keys.bin");
        byte[] max = Fixtures.Vector("max-keys-128.bin");
        byte[] entry = Fixtures.Vector("one-key.bin")[4..];
        two.CopyTo(image, 0x1000);
        big.CopyTo(image, 0x20004);
        max.CopyTo(image, (4 << 20) - 20000);           // crosses the first window boundary
        entry.CopyTo(image, 0x300008);
        two.CopyTo(image, (8 << 20) + 12);

        DumpScanResult result = ScanRaw(image, 0x1_0000_0000);
        Assert.Equal((ulong)image.Length, result.BytesScanned);
        Assert.Empty(result.Problems);
        Assert.Collection(
            result.Findings,
            f => Expect(f, FindingKind.Blob, 0x1000, 2, KeyBlobByteOrder.LittleEndian),
            f => Expect(f, FindingKind.Blob, 0x20004, 3, KeyBlobByteOrder.BigEndian),
            f => Expect(f, FindingKind.Entry, 0x300008, 1, KeyBlobByteOrder.LittleEndian),
            f => Expect(f, FindingKind.Blob, (4 << 20) - 20000, 128, KeyBlobByteOrder.LittleEndian),
            f => Expect(f, FindingKind.Blob, (8 << 20) + 12, 2, KeyBlobByteOrder.LittleEndian));
        Assert.True(KeyBlobReader.TryRead(two, out KeyBlob blob, out _));
        Assert.Equal(blob[1].Description.ToArray(), result.Findings[0].Keys[1].Description.ToArray());
        Assert.Equal(blob[1].KeySize, result.Findings[0].Keys[1].KeySize);

        static void Expect(DumpFinding f, FindingKind kind, long offset, int count, KeyBlobByteOrder order)
        {
            Assert.Equal(kind, f.Kind);
            Assert.Equal(0x1_0000_0000UL + (ulong)offset, f.Address);
            Assert.Equal(offset, f.FileOffset);
            Assert.Equal(count, f.Count);
            Assert.Equal(order, f.ByteOrder);
        }
    }

    [Fact]
    public void A_blob_with_one_damaged_entry_is_reported_as_its_good_entries()
    {
        byte[] image = new byte[1 << 16];
        byte[] three = Fixtures.Vector("big-endian-3-keys.bin");
        three.CopyTo(image, 0x100);
        image[0x100 + 4 + 388 + 10] = (byte)'\n';       // entry 1's description now holds a newline
        DumpScanResult result = ScanRaw(image);
        Assert.Equal([0x104L, 0x104L + (2 * 388)], result.Findings.Select(f => f.FileOffset!.Value));
        Assert.All(result.Findings, f => Assert.Equal(FindingKind.Entry, f.Kind));
        Assert.All(result.Findings, f => Assert.Null(f.Address));
    }

    [Fact]
    public void Byte_order_option_limits_the_search()
    {
        byte[] image = new byte[1 << 16];
        Fixtures.Vector("two-keys.bin").CopyTo(image, 0x100);
        Fixtures.Vector("big-endian-3-keys.bin").CopyTo(image, 0x2000);
        Assert.Equal(KeyBlobByteOrder.LittleEndian, Assert.Single(ScanRaw(image, orders: ScanByteOrders.Little).Findings).ByteOrder);
        Assert.Equal(KeyBlobByteOrder.BigEndian, Assert.Single(ScanRaw(image, orders: ScanByteOrders.Big).Findings).ByteOrder);
    }

    [Fact]
    public void Unaligned_copies_are_not_candidates()
    {
        byte[] image = new byte[1 << 16];
        Fixtures.Vector("two-keys.bin").CopyTo(image, 0x102);
        Assert.Empty(ScanRaw(image).Findings);
    }

    [Fact]
    public void The_vectorised_pass_finds_what_checking_every_word_finds()
    {
        for (int seed = 0; seed < 4; seed++)
        {
            byte[] image = Realistic(1 << 20, seed);
            var random = new Random(seed);
            string[] vectors = ["one-key.bin", "two-keys.bin", "big-endian-3-keys.bin", "desc-utf8.bin", "key-256-bytes.bin", "key-1-byte.bin"];
            for (int k = 0; k < 40; k++)
            {
                byte[] v = Fixtures.Vector(vectors[random.Next(vectors.Length)]);
                int at = random.Next(0, (image.Length - v.Length) / 4) * 4;
                (random.Next(3) == 0 ? v[4..392] : v).CopyTo(image, at);
            }

            var expected = Naive(image);
            var actual = new List<WindowScanner.Hit>();
            WindowScanner.Scan(image, 0, image.Length, ScanByteOrders.Both, actual);
            Assert.Equal(expected, actual.Select(h => (h.Offset, h.Kind, h.ByteOrder)).ToList());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Short_descriptions_are_found_at_every_word_of_a_block(int background)
    {
        // The block tests look at the key_size's zero bytes and the description's first four bytes: descriptions whose
        // NUL comes at byte 2 or 3 (allowed after a ':'), at every word of a 64-byte block and in both byte orders, on
        // zero pages (0), arrays of small integers (1) and random bytes (2).
        string[] descriptions = ["a:", "ab:", "a:b", "ab:c", ":a:", "a::", "cryptsetup:x"];
        byte[] image = background == 1 ? Realistic(1 << 18, 7) : new byte[1 << 18];
        if (background == 1)
        {
            for (int i = 0; i + 4 <= image.Length; i += 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(i), (uint)(i * 7 % 300));
            }
        }
        else if (background == 2)
        {
            new Random(3).NextBytes(image);
        }

        int n = 0;
        for (int at = 0; at + 512 <= image.Length; at += 1024, n++)
        {
            int p = at + (4 * (n % 16));
            var entry = image.AsSpan(p, KeyBlobLayout.EntrySize);
            entry.Clear();
            int keySize = n % 3 == 0 ? 256 : 1 + (n % 64);
            if (n % 2 == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)keySize);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(entry, (uint)keySize);
            }

            Encoding.ASCII.GetBytes(descriptions[n % descriptions.Length]).CopyTo(entry[KeyBlobLayout.DescriptionOffset..]);
            entry.Slice(KeyBlobLayout.DataOffset, keySize).Fill(0xA5);
        }

        var actual = new List<WindowScanner.Hit>();
        WindowScanner.Scan(image, 0, image.Length, ScanByteOrders.Both, actual);
        var expected = Naive(image);
        Assert.Equal(expected, actual.Select(h => (h.Offset, h.Kind, h.ByteOrder)).ToList());

        // ":a:" starts with its colon, which logon_vet_description refuses: every other planted entry is found.
        Assert.Equal(n - Enumerable.Range(0, n).Count(k => descriptions[k % descriptions.Length] == ":a:"), actual.Count);
    }

    // Every aligned word, checked with the codec alone: a blob at p - 4 first, then an entry at p (not one of the last blob's
    // own entries). Strict, or only padding rules broken (a freed copy).
    private static List<(int, FindingKind, KeyBlobByteOrder)> Naive(byte[] image)
    {
        var found = new List<(int, FindingKind, KeyBlobByteOrder)>();
        (int Start, int End, KeyBlobByteOrder Order) last = (0, 0, KeyBlobByteOrder.LittleEndian);
        for (int p = 0; p + 8 <= image.Length; p += 4)
        {
            foreach (var order in new[] { KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian })
            {
                var dumpOrder = order == KeyBlobByteOrder.BigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
                if (p >= 4 && Lenient(image.AsSpan(p - 4), order, out KeyBlob blob))
                {
                    found.Add((p - 4, FindingKind.Blob, dumpOrder));
                    last = (p - 4, p - 4 + blob.Size, order);
                    break;
                }

                bool ownEntry = p > last.Start && p < last.End && order == last.Order && (p - last.Start - 4) % 388 == 0;
                if (p + 388 <= image.Length && !ownEntry)
                {
                    byte[] single = new byte[392];
                    if (order == KeyBlobByteOrder.BigEndian) { single[3] = 1; } else { single[0] = 1; }
                    image.AsSpan(p, 388).CopyTo(single.AsSpan(4));
                    if (Lenient(single, order, out KeyBlob one) && one[0].Key.ContainsAnyExcept((byte)0))
                    {
                        found.Add((p, FindingKind.Entry, dumpOrder));
                        break;
                    }
                }
            }
        }

        return found;

        static bool Lenient(ReadOnlySpan<byte> source, KeyBlobByteOrder order, out KeyBlob blob)
        {
            var strict = new KeyBlobReadOptions { ByteOrder = order };
            if (KeyBlobReader.TryRead(source, strict, out blob, out _))
            {
                return true;
            }

            var problems = new KeyBlobProblem[16];
            int count = KeyBlobReader.CollectProblems(source, strict, problems);
            return count is > 0 and <= 16
                && problems.Take(count).All(x => x.Error is KeyBlobError.DescriptionPaddingNotZero or KeyBlobError.KeyDataPaddingNotZero)
                && KeyBlobReader.TryRead(source, strict with { Mode = KeyBlobMode.Kernel }, out blob, out _)
                && OneFreePointer(source, blob);
        }

        // Every non-zero padding byte (after a description's NUL, after a key) within 8 bytes of each other.
        static bool OneFreePointer(ReadOnlySpan<byte> source, KeyBlob blob)
        {
            var nonZero = new List<int>();
            foreach (KeyBlobEntry entry in blob)
            {
                int e = 4 + (388 * entry.Index);
                for (int k = e + 4 + entry.Description.Length + 1; k < e + 132; k++)
                {
                    if (source[k] != 0) { nonZero.Add(k); }
                }

                for (int k = e + 132 + entry.KeySize; k < e + 388; k++)
                {
                    if (source[k] != 0) { nonZero.Add(k); }
                }
            }

            return nonZero.Count > 0 && nonZero.Max() - nonZero.Min() < 8;
        }
    }

    [Theory]
    [MemberData(nameof(QemuFixtureTests.Dumps), MemberType = typeof(QemuFixtureTests))]
    public void Finds_every_planted_blob_in_the_qemu_dumps(string name, DumpFormat format)
    {
        Assert.True(DumpReader.TryOpen(Fixtures.Get(name), default, out PhysicalMemory? opened, out _));
        using PhysicalMemory memory = opened!;
        Assert.Equal(format, memory.Format);
        DumpScanResult result = DumpScanner.Scan(memory);
        // Pages that share one page data (the zero page) are scanned once.
        Assert.Equal(memory.StoredBytes - ((ulong)result.RepeatedPages * (ulong)memory.PageSize), result.BytesScanned);
        Assert.Equal(format == DumpFormat.Elf, result.RepeatedPages == 0);
        Assert.Empty(result.Problems);
        Assert.Equal(
            [
                (FindingKind.Blob, Fixtures.TwoKeysAddress, 2),
                (FindingKind.Blob, Fixtures.MaxKeysAddress, 128),
                (FindingKind.Blob, Fixtures.BigEndianAddress, 3),
                (FindingKind.Entry, Fixtures.LoneEntryAddress, 1),
            ],
            result.Findings.Select(f => (f.Kind, f.Address!.Value, f.Count)).ToList());
        Assert.Equal(format == DumpFormat.Elf, result.Findings.All(f => f.FileOffset is not null));
    }

    [Fact]
    public void Only_stored_bytes_are_scanned_so_a_header_claiming_huge_memory_costs_nothing()
    {
        byte[] data = new byte[8192];
        Fixtures.Vector("one-key.bin").CopyTo(data, 100);
        using PhysicalMemory memory = TestData.Open(new ElfBuilder().Load(0x1000, data, memSize: 1UL << 60).Build());
        Assert.Equal(1UL << 60, memory.TotalBytes);
        Assert.Equal(8192UL, memory.StoredBytes);
        DumpScanResult result = DumpScanner.Scan(memory);
        Assert.Equal(8192UL, result.BytesScanned);
        Assert.Equal(0x1000UL + 100, Assert.Single(result.Findings).Address);

        var builder = new KdumpBuilder { MaxMapNr = 1 << 20 };
        builder.Pages[3] = KdumpTests.Compressible(3);
        foreach (ulong pfn in Enumerable.Range(10, 5000).Select(i => (ulong)i))
        {
            builder.Excluded.Add(pfn);
        }

        using PhysicalMemory kdump = TestData.Open(builder.Build());
        Assert.Equal(4096UL, kdump.StoredBytes);
        Assert.Equal(4096UL, DumpScanner.Scan(kdump).BytesScanned);
    }

    [Fact]
    public void Damaged_pages_are_reported_and_the_scan_goes_on()
    {
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib };
        byte[] page = new byte[4096];
        Fixtures.Vector("two-keys.bin").CopyTo(page, 8);
        builder.Pages[1] = KdumpTests.Compressible(1);
        builder.Pages[2] = page;
        byte[] file = builder.Build();
        file[(4 * 4096) + 12] = 0x40;                   // page 1: unknown compression
        using PhysicalMemory memory = TestData.Open(file);
        DumpScanResult result = DumpScanner.Scan(memory);
        Assert.Equal(DumpError.KdumpUnknownCompression, Assert.Single(result.Problems).Error);
        Assert.Equal(0x2008UL, Assert.Single(result.Findings).Address);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_flattened_record_that_replaces_fewer_than_four_bytes_is_scanned(int length)
    {
        // AFL's finding (src/Fuzz/regressions/dump-flattened): the pass over replaced record bytes tried every byte shift
        // of the run, and sliced past a run of 1 to 3 bytes (ArgumentOutOfRangeException out of Scan).
        byte[] file = new KdumpBuilder { Method = DumpCompression.Zlib }.Build();
        byte[] flat = KdumpBuilder.Flatten(file, 1 << 20);
        var output = new MemoryStream();
        output.Write(flat, 0, flat.Length - 16);
        byte[] record = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(record, 100);
        BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), length);
        output.Write(record);
        output.Write(file, 100, length);                                          // the same bytes again
        output.Write(flat, flat.Length - 16, 16);

        using PhysicalMemory memory = TestData.Open(output.ToArray());
        var flattened = (Sources.FlattenedSource)((Formats.KdumpMemory)memory).Source;
        Assert.Equal(length, Assert.Single(flattened.Overwritten).Length);
        DumpScanResult result = DumpScanner.Scan(memory);
        Assert.Empty(result.Findings);
        Assert.Equal(0, result.ProblemCount);
    }
}
