using CrashDmCrypt.Codec;
namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// Dumps that QEMU 7.2's dump-guest-memory wrote of a paused 2 MiB guest holding planted blobs (fixtures/make-fixtures.sh),
/// and the flattened one reassembled by makedumpfile -R; libkdumpfile is the independent reader.
/// </summary>
public class QemuFixtureTests
{
    public static TheoryData<string, DumpFormat> Dumps() => new()
    {
        { "qemu.elf", DumpFormat.Elf },
        { "qemu-zlib.flat", DumpFormat.KdumpFlattened },
        { "qemu-zlib.kdump", DumpFormat.KdumpCompressed },
    };

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Planted_blobs_read_back_at_their_physical_addresses(string name, DumpFormat format)
    {
        Assert.True(DumpReader.TryOpen(Fixtures.Get(name), default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        using PhysicalMemory memory = opened!;
        Assert.Equal(format, memory.Format);
        Assert.Equal(KeyBlobByteOrder.LittleEndian, memory.ByteOrder);
        Assert.Contains(memory.Ranges, r => r.Start <= Fixtures.TwoKeysAddress && r.End >= 0x200000);
        foreach (var (address, vector) in new[]
        {
            (Fixtures.TwoKeysAddress, "two-keys.bin"),
            (Fixtures.MaxKeysAddress, "max-keys-128.bin"),
            (Fixtures.BigEndianAddress, "big-endian-3-keys.bin"),
        })
        {
            byte[] expected = Fixtures.Vector(vector);
            Assert.Equal(expected, TestData.Read(memory, address, expected.Length));
        }

        Assert.Equal(Fixtures.Vector("one-key.bin")[4..], TestData.Read(memory, Fixtures.LoneEntryAddress, 388));
        if (format != DumpFormat.Elf)
        {
            Assert.Equal(DumpCompression.Zlib, memory.Compression);
        }
    }

    [Fact]
    public void Flattened_and_reassembled_dumps_hold_the_same_memory()
    {
        DumpReader.TryOpen(Fixtures.Get("qemu-zlib.flat"), default, out PhysicalMemory? flat, out _);
        DumpReader.TryOpen(Fixtures.Get("qemu-zlib.kdump"), default, out PhysicalMemory? kdump, out _);
        using (flat)
        using (kdump)
        {
            Assert.Equal(kdump!.Ranges, flat!.Ranges);
            foreach (PhysicalRange range in kdump.Ranges)
            {
                Assert.Equal(TestData.Read(kdump, range.Start, (int)range.Length), TestData.Read(flat, range.Start, (int)range.Length));
            }
        }
    }

    [ToolTheory("libkdumpfile")]
    [InlineData("qemu.elf")]
    [InlineData("qemu-zlib.kdump")]
    public void Every_physical_byte_agrees_with_libkdumpfile(string name)
    {
        string path = Fixtures.Get(name);
        DumpReader.TryOpen(path, default, out PhysicalMemory? opened, out _);
        using PhysicalMemory memory = opened!;
        AgreesWithLibkdumpfile(path, memory);
    }

    [ToolFact("libkdumpfile")]
    public void Kdump_files_this_project_builds_agree_with_libkdumpfile_for_every_compression()
    {
        foreach (DumpCompression method in new[] { DumpCompression.None, DumpCompression.Zlib, DumpCompression.Snappy, DumpCompression.Zstd, DumpCompression.Lzo })
        {
            if (method == DumpCompression.Lzo && !Compression.Lzo.IsAvailable)
            {
                continue;
            }

            var builder = new KdumpBuilder { Method = method, VmcoreInfo = "OSRELEASE=6.12.0\nPAGESIZE=4096\n" };
            builder.Pages[1] = KdumpTests.Compressible(1);
            builder.Pages[2] = TestData.Pattern(4096, 2);
            builder.Pages[3] = new byte[4096];
            builder.Pages[9] = KdumpTests.Compressible(9);
            builder.Excluded.Add(4);
            string path = Path.Combine(Path.GetTempPath(), $"cdc-kdump-{method}-{Environment.ProcessId}.kdump");
            File.WriteAllBytes(path, builder.Build());
            try
            {
                DumpReader.TryOpen(path, default, out PhysicalMemory? opened, out DumpProblem problem);
                Assert.True(opened is not null, problem.ToString());
                using PhysicalMemory memory = opened!;
                AgreesWithLibkdumpfile(path, memory);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    private static void AgreesWithLibkdumpfile(string path, PhysicalMemory memory)
    {
        byte[] theirs = Tools.ReadWithLibkdumpfile(path, memory.Ranges, memory.PageSize);
        int at = 0;
        foreach (PhysicalRange range in memory.Ranges)
        {
            byte[] ours = TestData.Read(memory, range.Start, (int)range.Length);
            Assert.True(ours.AsSpan().SequenceEqual(theirs.AsSpan(at, ours.Length)), $"range 0x{range.Start:x} differs from libkdumpfile");
            at += ours.Length;
        }

        Assert.Equal(theirs.Length, at);
    }
}
