namespace CrashDmCrypt.Dumps.Tests;

public class LimeAndRawTests
{
    [Fact]
    public void Lime_ranges_read_by_physical_address()
    {
        byte[] a = TestData.Pattern(4096, 1);
        byte[] b = TestData.Pattern(100, 2);
        byte[] file = LimeBuilder.Build((0x100000, a), (0x1000, b));
        using PhysicalMemory memory = TestData.Open(file);
        Assert.Equal(DumpFormat.Lime, memory.Format);
        Assert.Equal([new PhysicalRange(0x1000, 100), new PhysicalRange(0x100000, 4096)], memory.Ranges);
        Assert.Equal(b, TestData.Read(memory, 0x1000, 100));
        Assert.Equal(a[10..20], TestData.Read(memory, 0x10000a, 10));
        Assert.True(memory.TryGetFileOffset(0x1000, out long offset));
        Assert.Equal(32 + 4096 + 32, offset);
    }

    [Fact]
    public void Lime_hostile_headers()
    {
        byte[] file = LimeBuilder.Build((0x1000, TestData.Pattern(64)));
        byte[] badVersion = (byte[])file.Clone();
        badVersion[4] = 2;
        Assert.Equal(new DumpProblem { Error = DumpError.LimeBadHeader, FileOffset = 0 }, TestData.Refuse(badVersion));
        byte[] reversed = (byte[])file.Clone();
        reversed[16] = 0;
        reversed[17] = 0;
        Assert.Equal(DumpError.LimeBadHeader, TestData.Refuse(reversed).Error);
        Assert.Equal(DumpError.Truncated, TestData.Refuse(file[..^1]).Error);
        Assert.Equal(DumpError.Truncated, TestData.Refuse([.. file, 0x45, 0x4D, 0x69, 0x4C]).Error);
        byte[] huge = (byte[])file.Clone();
        huge[23] = 0x7F;
        Assert.Equal(DumpError.Truncated, TestData.Refuse(huge).Error);
    }

    [Fact]
    public void Raw_image_with_and_without_a_base()
    {
        byte[] image = TestData.Pattern(10000);
        using (PhysicalMemory memory = TestData.Open(image))
        {
            Assert.Equal(DumpFormat.Raw, memory.Format);
            Assert.False(memory.AddressesKnown);
            Assert.Equal(new PhysicalRange(0, 10000), Assert.Single(memory.Ranges));
        }

        using (PhysicalMemory memory = TestData.Open(image, new DumpOpenOptions { RawBase = 0x8000_0000 }))
        {
            Assert.True(memory.AddressesKnown);
            Assert.Equal(image[5..15], TestData.Read(memory, 0x8000_0005, 10));
            Assert.True(memory.TryGetFileOffset(0x8000_0005, out long offset));
            Assert.Equal(5, offset);
        }

        Assert.Equal(DumpError.SegmentAbsurd, TestData.Refuse(image, new DumpOpenOptions { RawBase = ulong.MaxValue - 10 }).Error);
        using PhysicalMemory empty = TestData.Open([]);
        Assert.Empty(empty.Ranges);
    }

    [Theory]
    [InlineData("7f454c46", DumpFormat.Elf)]
    [InlineData("4b44554d50202020", DumpFormat.KdumpCompressed)]
    [InlineData("4449534b44554d50", DumpFormat.KdumpCompressed)]
    [InlineData("6d616b6564756d7066696c6500000000", DumpFormat.KdumpFlattened)]
    [InlineData("6d616b6564756d7066696c6500000001", DumpFormat.Raw)]
    [InlineData("454d694c", DumpFormat.Lime)]
    [InlineData("4c694d45", DumpFormat.Raw)]
    [InlineData("", DumpFormat.Raw)]
    public void Format_comes_from_content(string hex, DumpFormat expected) =>
        Assert.Equal(expected, DumpReader.DetectFormat(Convert.FromHexString(hex)));
}
