using CrashDmCrypt.Codec;
namespace CrashDmCrypt.Dumps.Tests;

public class ElfTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Reads_segments_by_physical_address_in_every_class_and_byte_order(bool is64, bool bigEndian)
    {
        byte[] a = TestData.Pattern(8192, 1);
        byte[] b = TestData.Pattern(4096, 2);
        byte[] file = new ElfBuilder(is64, bigEndian) { VmcoreInfo = "OSRELEASE=6.12.0\nPAGESIZE=4096\nCRASHTIME=1700000000\n" }
            .Load(0x200000, b)
            .Load(0x100000, a)
            .Build();
        using PhysicalMemory memory = TestData.Open(file);
        Assert.Equal(DumpFormat.Elf, memory.Format);
        Assert.Equal(bigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian, memory.ByteOrder);
        Assert.Equal([new PhysicalRange(0x100000, 8192), new PhysicalRange(0x200000, 4096)], memory.Ranges);
        Assert.Equal(a.AsSpan(100, 900).ToArray(), TestData.Read(memory, 0x100000 + 100, 900));
        Assert.Equal(b, TestData.Read(memory, 0x200000, 4096));
        Assert.Equal("6.12.0", memory.VmcoreInfo.OsRelease);
        Assert.Equal(4096, memory.VmcoreInfo.PageSize);
        Assert.Equal(1700000000, memory.VmcoreInfo.CrashTime);
        Assert.True(memory.PageSizeKnown);
        Assert.True(memory.TryGetFileOffset(0x100000 + 5, out long offset));
        Assert.Equal(a[5], file[offset]);
    }

    [Fact]
    public void Bytes_past_p_filesz_read_as_zero()
    {
        byte[] data = TestData.Pattern(4096);
        using PhysicalMemory memory = TestData.Open(new ElfBuilder().Load(0x1000, data, memSize: 3 * 4096).Build());
        Assert.Equal(new PhysicalRange(0x1000, 3 * 4096), Assert.Single(memory.Ranges));
        byte[] read = TestData.Read(memory, 0x1000 + 4000, 4096);
        Assert.Equal(data.AsSpan(4000).ToArray(), read[..96]);
        Assert.All(read[96..], b => Assert.Equal(0, b));
        Assert.False(memory.TryGetFileOffset(0x1000 + 4096, out _));
    }

    [Fact]
    public void Adjacent_segments_merge_into_one_range_and_a_read_crosses_them()
    {
        byte[] a = TestData.Pattern(4096, 3);
        byte[] b = TestData.Pattern(4096, 4);
        using PhysicalMemory memory = TestData.Open(new ElfBuilder().Load(0x2000, b).Load(0x1000, a).Build());
        Assert.Equal(new PhysicalRange(0x1000, 8192), Assert.Single(memory.Ranges));
        Assert.Equal([.. a[4000..], .. b[..100]], TestData.Read(memory, 0x1000 + 4000, 196));
    }

    [Fact]
    public void Overlapping_segments_keep_the_bytes_of_the_one_that_starts_first()
    {
        byte[] ram = TestData.Pattern(16384, 5);
        byte[] text = TestData.Pattern(4096, 6);
        using PhysicalMemory memory = TestData.Open(new ElfBuilder().Load(0x10000, ram).Load(0x11000, text).Build());
        Assert.Equal(new PhysicalRange(0x10000, 16384), Assert.Single(memory.Ranges));
        Assert.Equal(ram[4096..8192], TestData.Read(memory, 0x11000, 4096));
    }

    [Fact]
    public void An_address_outside_every_segment_is_a_problem_not_an_exception()
    {
        using PhysicalMemory memory = TestData.Open(new ElfBuilder().Load(0x1000, TestData.Pattern(4096)).Build());
        byte[] buffer = new byte[16];
        Assert.False(memory.TryRead(0x1ff8, buffer, out DumpProblem problem));
        Assert.Equal(DumpError.AddressNotInDump, problem.Error);
        Assert.Equal("CDC421", problem.Code);
        Assert.False(memory.TryRead(ulong.MaxValue - 4, buffer, out problem));
        Assert.Equal(DumpError.AddressNotInDump, problem.Error);
    }

    [Fact]
    public void Hostile_headers_get_stable_codes()
    {
        byte[] good = new ElfBuilder().Load(0x1000, TestData.Pattern(4096)).Build();

        byte[] badClass = (byte[])good.Clone();
        badClass[4] = 3;
        Assert.Equal(DumpError.ElfBadHeader, TestData.Refuse(badClass).Error);

        byte[] notCore = (byte[])good.Clone();
        notCore[16] = 2;
        Assert.Equal(new DumpProblem { Error = DumpError.ElfBadHeader, FileOffset = 16 }, TestData.Refuse(notCore));

        byte[] tableOutside = (byte[])good.Clone();
        tableOutside[39] = 1;
        Assert.Equal(DumpError.ElfBadProgramHeaders, TestData.Refuse(tableOutside).Error);

        byte[] segmentOutside = good[..^1];
        Assert.Equal(DumpError.SegmentOutsideFile, TestData.Refuse(segmentOutside).Error);

        byte[] fileszOverMemsz = (byte[])good.Clone();
        fileszOverMemsz[64 + 40] = 0;                 // p_memsz 0x1000 -> 0x0000 ... keep nonzero: 0x10
        fileszOverMemsz[64 + 40] = 0x10;
        fileszOverMemsz[64 + 41] = 0;
        Assert.Equal(DumpError.SegmentAbsurd, TestData.Refuse(fileszOverMemsz).Error);

        byte[] wraps = (byte[])good.Clone();
        for (int i = 0; i < 8; i++)
        {
            wraps[64 + 24 + i] = 0xFF;                  // p_paddr near the top: the end overflows
        }

        wraps[64 + 24] = 0x00;
        Assert.Equal(DumpError.SegmentAbsurd, TestData.Refuse(wraps).Error);

        Assert.Equal(DumpError.Truncated, TestData.Refuse(good[..40]).Error);
    }

    [Fact]
    public void A_segment_without_a_physical_address_is_skipped()
    {
        byte[] file = new ElfBuilder().Load(ulong.MaxValue, TestData.Pattern(64)).Load(0x1000, TestData.Pattern(4096)).Build();
        using PhysicalMemory memory = TestData.Open(file);
        Assert.Single(memory.Ranges);
    }

    [Fact]
    public void Many_unsorted_segments_are_sorted()
    {
        var builder = new ElfBuilder();
        var order = Enumerable.Range(0, 300).OrderBy(i => (i * 7919) % 300).ToList();
        foreach (int i in order)
        {
            builder.Load((ulong)i * 0x2000, TestData.Pattern(64, i));
        }

        using PhysicalMemory memory = TestData.Open(builder.Build());
        Assert.Equal(300, memory.Ranges.Count);
        Assert.Equal(TestData.Pattern(64, 123), TestData.Read(memory, 123 * 0x2000, 64));
        Assert.Equal(DumpError.TooManyRanges, TestData.Refuse(builder.Build(), new DumpOpenOptions { MaxRanges = 299 }).Error);
    }
}
