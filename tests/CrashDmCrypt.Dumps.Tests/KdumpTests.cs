using System.Buffers.Binary;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;
namespace CrashDmCrypt.Dumps.Tests;

public class KdumpTests
{
    private static KdumpBuilder Sample(DumpCompression method = DumpCompression.None, bool is64 = true, bool bigEndian = false, int version = 6)
    {
        var builder = new KdumpBuilder { Method = method, Is64 = is64, BigEndian = bigEndian, Version = version, Machine = is64 ? "x86_64" : "i686" };
        // Compressible pages (text-like), a random page that does not compress, zero pages sharing one copy, an excluded page.
        builder.Pages[1] = Compressible(1);
        builder.Pages[2] = Compressible(2);
        builder.Pages[3] = TestData.Pattern(4096, 3);
        builder.Pages[4] = new byte[4096];
        builder.Pages[7] = new byte[4096];
        builder.Pages[40] = Compressible(40);
        builder.Excluded.Add(5);
        builder.Excluded.Add(6);
        return builder;
    }

    internal static byte[] Compressible(int seed)
    {
        // Words from a small list: compressible by every method, snappy and LZO included, yet different per seed.
        string[] words = ["cryptsetup:", "volume ", "0123", "key ", "logon ", "dm-crypt ", "\n", "page "];
        byte[] page = new byte[4096];
        var random = new Random(seed);
        int at = 0;
        while (at < page.Length)
        {
            foreach (char c in words[random.Next(words.Length)])
            {
                if (at < page.Length)
                {
                    page[at++] = (byte)c;
                }
            }
        }

        return page;
    }

    public static TheoryData<DumpCompression, bool, bool, int> Variants()
    {
        var data = new TheoryData<DumpCompression, bool, bool, int>();
        foreach (DumpCompression method in new[] { DumpCompression.None, DumpCompression.Zlib, DumpCompression.Snappy, DumpCompression.Zstd })
        {
            data.Add(method, true, false, 6);
        }

        data.Add(DumpCompression.Zlib, true, true, 6);
        data.Add(DumpCompression.Zlib, false, false, 6);
        data.Add(DumpCompression.Zstd, false, true, 6);
        for (int version = 1; version <= 5; version++)
        {
            data.Add(DumpCompression.Zlib, true, false, version);
            data.Add(DumpCompression.None, false, true, version);
        }

        return data;
    }

    // AArch32's sub-header aligns its 64-bit fields to 8 (libkdumpfile's kdump_sub_header_32pad): read packed, the
    // VMCOREINFO offset would take the padding as its low half. Both 32-bit layouts, every version with the fields.
    // No libkdumpfile check: Debian 12's 0.5.1 predates its own fix for this layout (ptesarik/libkdumpfile issue 75).
    [Theory]
    [InlineData(3, false)]
    [InlineData(6, false)]
    [InlineData(3, true)]
    [InlineData(6, true)]
    public void The_padded_32_bit_sub_header_of_arm_reads_like_the_packed_one(int version, bool bigEndian)
    {
        foreach (bool padded in new[] { true, false })
        {
            KdumpBuilder builder = Sample(DumpCompression.Zlib, is64: false, bigEndian: bigEndian, version: version);
            builder.Machine = padded ? "armv7l" : "i686";
            builder.Padded = padded;
            builder.VmcoreInfo = "OSRELEASE=6.12.0-arm\nPAGESIZE=4096\n";
            builder.MaxMapNr = version >= 6 ? 48UL : 64UL;
            using PhysicalMemory memory = TestData.Open(builder.Build());
            Assert.Equal("6.12.0-arm", memory.VmcoreInfo.OsRelease);
            Assert.Equal([new PhysicalRange(0x1000, 7 * 4096), new PhysicalRange(40 * 4096, 4096)], memory.Ranges);
            foreach (var (pfn, page) in builder.Pages)
            {
                Assert.Equal(page, TestData.Read(memory, pfn * 4096, 4096));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_page_reads_back_in_every_compression_layout_byte_order_and_version(DumpCompression method, bool is64, bool bigEndian, int version)
    {
        KdumpBuilder builder = Sample(method, is64, bigEndian, version);
        builder.VmcoreInfo = "OSRELEASE=6.12.0\nPAGESIZE=4096\nCRASHTIME=1700000001\n";
        foreach (byte[] file in new[] { builder.Build(), KdumpBuilder.Flatten(builder.Build()), KdumpBuilder.Flatten(builder.Build(), 777, reverse: true) })
        {
            using PhysicalMemory memory = TestData.Open(file);
            Assert.Equal(bigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian, memory.ByteOrder);
            Assert.Equal(4096, memory.PageSize);
            Assert.Equal([new PhysicalRange(0x1000, 7 * 4096), new PhysicalRange(40 * 4096, 4096)], memory.Ranges);
            foreach (var (pfn, page) in builder.Pages)
            {
                Assert.Equal(page, TestData.Read(memory, pfn * 4096, 4096));
            }

            Assert.Equal(new byte[4096], TestData.Read(memory, 5 * 4096, 4096));
            Assert.Equal([.. builder.Pages[2][4000..], .. builder.Pages[3][..100]], TestData.Read(memory, (2 * 4096) + 4000, 196));
            Assert.Equal(version >= 3 ? "6.12.0" : null, memory.VmcoreInfo.OsRelease);
            if (method != DumpCompression.None)
            {
                Assert.Equal(method, memory.Compression);
            }
        }
    }

    // A page's descriptor is found by counting the present bits before it: a count is kept per block of the bitmap and
    // the bits since are counted. Pages on both sides of block edges, with excluded and absent pages between, in dumps
    // of one and of several thousand descriptors, all read back, as do the excluded pages (as zero).
    [Fact]
    public void Pages_across_the_present_bitmap_blocks_read_back()
    {
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib, MaxMapNr = 20_000 };
        ulong[] edges = [0, 1, 255, 511, 512, 513, 1023, 1024, 4095, 4096, 4097, 8191, 12_345, 19_999];
        foreach (ulong pfn in edges)
        {
            builder.Pages[pfn] = TestData.Pattern(4096, (int)pfn + 1);
        }

        // A long run of present pages, so that counts grow by thousands across blocks.
        for (ulong pfn = 5_000; pfn < 8_000; pfn++)
        {
            builder.Pages[pfn] = pfn % 7 == 0 ? Compressible((int)pfn) : TestData.Pattern(64, (int)pfn).Concat(new byte[4096 - 64]).ToArray();
        }

        foreach (ulong pfn in new ulong[] { 2, 510, 514, 4094, 8_000, 12_344 })
        {
            builder.Excluded.Add(pfn);
        }

        using PhysicalMemory memory = TestData.Open(builder.Build());
        foreach (var (pfn, page) in builder.Pages)
        {
            Assert.True(page.AsSpan().SequenceEqual(TestData.Read(memory, pfn * 4096, 4096)), $"page {pfn}");
        }

        foreach (ulong pfn in builder.Excluded)
        {
            Assert.Equal(new byte[4096], TestData.Read(memory, pfn * 4096, 4096));
        }
    }

    // Page data named out of page-frame order (a hostile file's or a scrubbed copy's: makedumpfile and QEMU name only
    // their zero page so): a page that names data an earlier page named counts as repeated, exactly, also when the earlier
    // page named it in order and this one between two earlier offsets, within the limit of offsets kept (then with a
    // second pass) and beyond it (every offset kept). Pages read back as the data they name.
    [Theory]
    [InlineData(new[] { 3, 4, 0, 1, 2 }, 3, 0)]
    [InlineData(new[] { 0, 5, 3, 5, 3, 9, 5, 0, 12, 9, 3, 1, 1 }, 4, 7)]
    public void Page_data_named_out_of_order_is_counted_once_within_the_limit_and_beyond(int[] order, int outOfOrder, int repeated)
    {
        var builder = new KdumpBuilder { MaxMapNr = 64 };
        for (ulong pfn = 0; pfn < (ulong)order.Length; pfn++)
        {
            builder.Pages[pfn] = TestData.Pattern(4096, (int)pfn + 100);
        }

        byte[] file = builder.Build();
        const int Descriptors = 4 * 4096;
        byte[] original = file.AsSpan(Descriptors, 24 * builder.Pages.Count).ToArray();
        for (int i = 0; i < order.Length; i++)
        {
            original.AsSpan(24 * order[i], 8).CopyTo(file.AsSpan(Descriptors + (24 * i)));
        }

        foreach (int limit in new[] { outOfOrder, outOfOrder - 1, 0 })
        {
            Assert.True(DumpReader.TryOpen(file, new DumpOpenOptions { MaxOutOfOrderPageData = limit }, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
            using PhysicalMemory memory = opened!;
            Assert.Equal(repeated, memory.RepeatedPages);
            Assert.Equal(order.Length - order.Distinct().Count(), repeated);
            for (int i = 0; i < order.Length; i++)
            {
                Assert.Equal(builder.Pages[(ulong)order[i]], TestData.Read(memory, (ulong)i * 4096, 4096));
            }
        }
    }

    // A large hostile file: 40,000 pages whose descriptors name 20,000 page data blocks, first each once in falling order
    // (every one out of order), then each again. It opens with the offsets out of order kept, and past a lower limit with
    // every offset kept; either way it counts every repeat, and a scan reads each block once: the work follows the file,
    // not the pages.
    [Fact]
    public void Many_pages_naming_data_out_of_order_open_and_scan_each_block_once()
    {
        const int Blocks = 20_000;
        byte[] page = Compressible(7);
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib, MaxMapNr = 2 * Blocks };
        for (ulong pfn = 0; pfn < 2 * Blocks; pfn++)
        {
            builder.Pages[pfn] = page;
        }

        byte[] file = builder.Build();
        // Header block, sub-header block, then bitmap_blocks (disk_dump_header, after the 64-bit status field) of bitmaps.
        int descriptors = (2 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(424 + 12))) * 4096;
        ulong firstData = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(descriptors));
        ulong size = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(descriptors + 8));
        for (int i = 0; i < 2 * Blocks; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(descriptors + (24 * i)), firstData + ((ulong)(Blocks - 1 - (i % Blocks)) * size));
        }

        foreach (int limit in new[] { 0, 1_000 })
        {
            Assert.True(DumpReader.TryOpen(file, new DumpOpenOptions { MaxOutOfOrderPageData = limit }, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
            using PhysicalMemory memory = opened!;
            Assert.Equal(Blocks, memory.RepeatedPages);
            DumpScanResult result = DumpScanner.Scan(memory);
            Assert.Equal((ulong)Blocks * 4096, result.BytesScanned);
            Assert.Equal(page, TestData.Read(memory, (2UL * Blocks - 1) * 4096, 4096));
        }
    }

    // A scrubbed copy appends each rewritten page at its end: every page after the first of them names data below an
    // earlier page's. It opens (beyond a low limit too), every page reads back scrubbed, and a scan finds nothing.
    [Fact]
    public void A_scrubbed_copy_whose_rewritten_pages_lie_at_its_end_opens_and_reads_back()
    {
        byte[] blob = AuditDefectTests.Blob(2);
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib, MaxMapNr = 64 };
        for (ulong pfn = 0; pfn < 12; pfn++)
        {
            builder.Pages[pfn] = Compressible((int)pfn + 1);
        }

        blob.CopyTo(builder.Pages[2], 100);
        blob.CopyTo(builder.Pages[6], 1000);
        using var dir = new TempFolder();
        string input = dir.Write("vmcore", builder.Build());
        string output = Path.Combine(dir.Path, "clean");
        Assert.True(DumpReader.TryOpen(input, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        using (PhysicalMemory memory = opened!)
        {
            DumpScanResult result = DumpScanner.Scan(memory);
            Assert.Equal(2, result.Findings.Count);
            using var stream = new FileStream(output, FileMode.CreateNew, FileAccess.ReadWrite);
            Assert.True(DumpScrubber.TryScrub(memory, result.Findings, stream, out problem), problem.ToString());
        }

        builder.Pages[2].AsSpan(100, blob.Length).Clear();
        builder.Pages[6].AsSpan(1000, blob.Length).Clear();
        foreach (int limit in new[] { 0, 2 })
        {
            Assert.True(DumpReader.TryOpen(output, new DumpOpenOptions { MaxOutOfOrderPageData = limit }, out PhysicalMemory? after, out problem), problem.ToString());
            using PhysicalMemory memory = after!;
            Assert.Equal(0, memory.RepeatedPages);
            foreach (var (pfn, page) in builder.Pages)
            {
                Assert.Equal(page, TestData.Read(memory, pfn * 4096, 4096));
            }

            Assert.Empty(DumpScanner.Scan(memory).Findings);
        }
    }

    [ToolFact("liblzo2")]
    public void Lzo_pages_read_back_through_liblzo2()
    {
        Every_page_reads_back_in_every_compression_layout_byte_order_and_version(DumpCompression.Lzo, true, false, 6);
        Every_page_reads_back_in_every_compression_layout_byte_order_and_version(DumpCompression.Lzo, false, true, 6);
    }

    [ToolFact("liblzo2")]
    public void Corrupt_lzo_pages_and_bombs_are_refused() => Corrupt_compressed_pages_and_bombs_are_refused(DumpCompression.Lzo);

    [Fact]
    public void Diskdump_signature_and_unknown_machine_use_the_layout_whose_block_size_is_sane()
    {
        KdumpBuilder builder = Sample();
        builder.Signature = "DISKDUMP";
        builder.Machine = "unknown";
        using PhysicalMemory memory = TestData.Open(builder.Build());
        Assert.Equal(DumpFormat.KdumpCompressed, memory.Format);
        Assert.Equal(builder.Pages[3], TestData.Read(memory, 3 * 4096, 4096));
    }

    [Fact]
    public void Hostile_headers_get_stable_codes_and_offsets()
    {
        byte[] good = Sample().Build();

        byte[] version = (byte[])good.Clone();
        version[8] = 7;
        Assert.Equal(new DumpProblem { Error = DumpError.KdumpBadHeader, FileOffset = 8 }, TestData.Refuse(version));

        byte[] blockSize = (byte[])good.Clone();
        blockSize[428] = 1;
        Assert.Equal(DumpError.KdumpBadHeader, TestData.Refuse(blockSize).Error);

        byte[] bitmap = (byte[])good.Clone();
        bitmap[439] = 0x40;
        Assert.Equal(DumpError.KdumpBadBitmap, TestData.Refuse(bitmap).Error);

        // One part of a split dump (version 6: start_pfn_64 at 80, end_pfn_64 at 88) whose pfn range ends before it starts.
        Assert.Equal(6, good[8]);
        byte[] split = (byte[])good.Clone();
        split[4096 + 12] = 1;
        split[4096 + 80] = 5;
        split[4096 + 88] = 1;
        Assert.Equal(new DumpProblem { Error = DumpError.KdumpBadSubHeader, FileOffset = 4096 + 80 }, TestData.Refuse(split));

        byte[] vmcoreinfo = (byte[])good.Clone();
        vmcoreinfo[4096 + 40] = 1;
        vmcoreinfo[4096 + 39] = 0x7F;
        Assert.Equal(DumpError.KdumpBadSubHeader, TestData.Refuse(vmcoreinfo).Error);

        Assert.Equal(DumpError.Truncated, TestData.Refuse(good[..400]).Error);
        Assert.Equal(DumpError.KdumpPageDescriptorOutsideFile, TestData.Refuse(good[..((4 * 4096) + 10)]).Error);
    }

    private static (byte[] File, int Descriptor) WithDescriptor(DumpCompression method, int pfnIndex)
    {
        byte[] file = Sample(method).Build();
        return (file, (4 * 4096) + (pfnIndex * 24));
    }

    [Fact]
    public void Hostile_page_descriptors_fail_the_read_of_that_page_only()
    {
        var (file, d) = WithDescriptor(DumpCompression.Zlib, 0);
        file[d + 7] = 0x10;                             // offset far past the end
        using (PhysicalMemory memory = TestData.Open(file))
        {
            Assert.False(memory.TryRead(0x1000, new byte[16], out DumpProblem problem));
            Assert.Equal(new DumpProblem { Error = DumpError.KdumpBadPageDescriptor, FileOffset = d }, problem);
            Assert.Equal(Sample().Pages[2], TestData.Read(memory, 0x2000, 4096));
        }

        (file, d) = WithDescriptor(DumpCompression.Zlib, 0);
        file[d + 9] = 0x20;                             // size 8 KiB > block size
        using (PhysicalMemory memory = TestData.Open(file))
        {
            Assert.False(memory.TryRead(0x1000, new byte[16], out DumpProblem problem));
            Assert.Equal(DumpError.KdumpBadPageDescriptor, problem.Error);
        }

        (file, d) = WithDescriptor(DumpCompression.Zlib, 0);
        file[d + 12] = 0x3;                             // two methods at once
        using (PhysicalMemory memory = TestData.Open(file))
        {
            Assert.False(memory.TryRead(0x1000, new byte[16], out DumpProblem problem));
            Assert.Equal(new DumpProblem { Error = DumpError.KdumpUnknownCompression, FileOffset = d + 12 }, problem);
        }

        (file, d) = WithDescriptor(DumpCompression.None, 0);
        file[d + 8] = 0xFF;                             // a raw page whose size is not one page
        file[d + 9] = 0x0F;
        using (PhysicalMemory memory = TestData.Open(file))
        {
            Assert.False(memory.TryRead(0x1000, new byte[16], out DumpProblem problem));
            Assert.Equal(DumpError.KdumpBadPageDescriptor, problem.Error);
        }
    }

    [Theory]
    [InlineData(DumpCompression.Zlib)]
    [InlineData(DumpCompression.Snappy)]
    [InlineData(DumpCompression.Zstd)]
    public void Corrupt_compressed_pages_and_bombs_are_refused(DumpCompression method)
    {

        // A page that inflates to two pages: its data is the compressed form of 8 KiB.
        var bomb = new KdumpBuilder { Method = method, BlockSize = 8192 };
        bomb.Pages[0] = new byte[8192];
        bomb.Pages[0][1] = 1;
        byte[] big = bomb.Build();
        int bombDescriptor = 4 * 8192;
        byte[] pageData = big[(int)BitConverter.ToUInt64(big, bombDescriptor)..];
        int size = BitConverter.ToInt32(big, bombDescriptor + 8);
        Assert.True(size < 4096);

        var builder = new KdumpBuilder { Method = method };
        builder.Pages[1] = Compressible(1);
        byte[] file = builder.Build();
        int d = 4 * 4096;
        long offset = BitConverter.ToInt64(file, d);
        byte[] hostile = [.. file[..(int)offset], .. pageData[..size]];
        BitConverter.GetBytes(size).CopyTo(hostile, d + 8);
        using (PhysicalMemory memory = TestData.Open(hostile))
        {
            Assert.False(memory.TryRead(0x1000, new byte[4096], out DumpProblem problem));
            Assert.True(problem.Error is DumpError.DecompressionSizeMismatch or DumpError.DecompressionFailed, problem.ToString());
            Assert.Equal(offset, problem.FileOffset);
        }

        byte[] corrupt = (byte[])file.Clone();
        int compressedSize = BitConverter.ToInt32(file, d + 8);
        for (int i = 0; i < compressedSize; i += 3)
        {
            corrupt[offset + i] ^= 0x5A;
        }

        using (PhysicalMemory memory = TestData.Open(corrupt))
        {
            Assert.False(memory.TryRead(0x1000, new byte[4096], out DumpProblem problem));
            Assert.True(problem.Error is DumpError.DecompressionSizeMismatch or DumpError.DecompressionFailed, problem.ToString());
        }
    }

    [Fact]
    public void Flattened_hostile_records()
    {
        byte[] flat = KdumpBuilder.Flatten(Sample().Build());
        byte[] badType = (byte[])flat.Clone();
        badType[23] = 2;
        Assert.Equal(new DumpProblem { Error = DumpError.FlattenedBadHeader, FileOffset = 0 }, TestData.Refuse(badType));

        byte[] negative = (byte[])flat.Clone();
        negative[4096] = 0x80;
        Assert.Equal(new DumpProblem { Error = DumpError.FlattenedBadRecord, FileOffset = 4096 }, TestData.Refuse(negative));

        byte[] sizePastEnd = (byte[])flat.Clone();
        sizePastEnd[4096 + 8 + 3] = 1;
        Assert.Equal(DumpError.FlattenedBadRecord, TestData.Refuse(sizePastEnd).Error);

        Assert.Equal(DumpError.Truncated, TestData.Refuse(flat[..^16]).Error);
        Assert.Equal(DumpError.FlattenedTooManyRecords, TestData.Refuse(flat, new DumpOpenOptions { MaxFlattenedRecords = 3 }).Error);
    }

    [Fact]
    public void A_flattened_dump_whose_bitmaps_lie_in_holes_is_refused_before_they_are_read()
    {
        // AFL (dump-flattened): a 9 KB flattened file whose kdump header claims hundreds of MiB of bitmaps, in holes
        // between records far apart, made the reader allocate and clear them: seconds and a GiB per input. The bitmaps
        // are read into memory, so they must fit in the bytes the records hold.
        byte[] kdump = Sample().Build();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(kdump.AsSpan(Formats.KdumpLayout.BitmapBlocksOffset(8)), 1 << 16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(kdump.AsSpan(Formats.KdumpLayout.MaxMapNrOffset(8)), uint.MaxValue);
        byte[] flat = KdumpBuilder.Flatten(kdump, 4096);
        byte[] far = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(far, 1L << 30);      // one byte at 1 GiB
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(far.AsSpan(8), 1);
        byte[] hostile = [.. flat[..^16], .. far, 0, .. flat[^16..]];

        DumpProblem problem = TestData.Refuse(hostile);
        Assert.Equal(DumpError.KdumpBadBitmap, problem.Error);
        Assert.Equal(Formats.KdumpLayout.BitmapBlocksOffset(8), problem.FileOffset);

        // Without the far record the bitmaps run past the end of the reassembled file: the same code.
        Assert.Equal(DumpError.KdumpBadBitmap, TestData.Refuse(flat).Error);
    }

    [Fact]
    public void Flattened_later_record_wins_where_records_overlap()
    {
        byte[] kdump = Sample().Build();
        byte[] flat = KdumpBuilder.Flatten(kdump, 4096);
        // Append a record that rewrites page 3's data with other bytes, as makedumpfile rewrites its sub-header.
        long pageOffset = BitConverter.ToInt64(kdump, (4 * 4096) + (2 * 24));
        byte[] replacement = TestData.Pattern(4096, 99);
        byte[] record = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(record, pageOffset);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), 4096);
        byte[] patched = [.. flat[..^16], .. record, .. replacement, .. flat[^16..]];
        using PhysicalMemory memory = TestData.Open(patched);
        Assert.Equal(replacement, TestData.Read(memory, 3 * 4096, 4096));
        Assert.Equal(Sample().Pages[2], TestData.Read(memory, 2 * 4096, 4096));
    }

    // The descriptor table is read in blocks of 2,730; a block that does not read after the header's checks (an I/O
    // error, a file that shrank) is an I/O error at the block's offset, at open and in the leftover check, never pages
    // read as the block before it or as no page.
    [Fact]
    public void A_block_of_page_descriptors_that_does_not_read_is_an_io_error_at_its_offset()
    {
        var builder = new KdumpBuilder { Method = DumpCompression.None, MaxMapNr = 3000 };
        for (ulong pfn = 0; pfn < builder.MaxMapNr; pfn++)
        {
            builder.Pages[pfn] = TestData.Pattern(4096, (int)pfn);
        }

        var source = new TestSource(builder.Build());
        Assert.True(DumpReader.TryOpen(source, default, out PhysicalMemory? memory, out _));
        using (memory)
        using (var keys = new Forms.KeySet())
        {
            var kdump = Assert.IsType<Formats.KdumpMemory>(memory);
            Assert.True(kdump.TryGetDescriptor(0, out long table, out _));
            long second = table + (2730 * Formats.KdumpLayout.PageDescriptorSize);

            source.FailAt = second;
            Assert.False(DumpReader.TryOpen(source, default, out _, out DumpProblem problem));
            Assert.Equal((DumpError.IoError, second), (problem.Error, problem.FileOffset));

            keys.Add("cryptsetup:k"u8, TestData.Pattern(32, 9));
            Assert.False(Scrubbing.LeftoverCheck.TryCheck(
                source, () => (memory, default), false, keys, false, out _, 10, out problem, new Scrubbing.LeftoverCheck.Scope([], null)));
            Assert.Equal((DumpError.IoError, second), (problem.Error, problem.FileOffset));
        }
    }
}
