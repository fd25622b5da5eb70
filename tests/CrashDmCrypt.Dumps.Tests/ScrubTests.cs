using System.Buffers.Binary;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;

namespace CrashDmCrypt.Dumps.Tests;

public class ScrubTests
{
    private static string Scrub(string input, out DumpScanResult found)
    {
        Assert.True(DumpReader.TryOpen(input, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        using PhysicalMemory memory = opened!;
        found = DumpScanner.Scan(memory);
        string output = Path.Combine(Path.GetTempPath(), $"cdc-scrub-{Guid.NewGuid():N}");
        using (var stream = new FileStream(output, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            Assert.True(DumpScrubber.TryScrub(memory, found.Findings, stream, out problem), problem.ToString());
        }

        return output;
    }

    // Every range reads the same in both, except the findings' bytes, which read as zero in the scrubbed copy; nothing is left.
    private static void AssertScrubbed(string original, string scrubbed, DumpScanResult found)
    {
        DumpReader.TryOpen(original, default, out PhysicalMemory? before, out _);
        Assert.True(DumpReader.TryOpen(scrubbed, default, out PhysicalMemory? after, out DumpProblem problem), problem.ToString());
        using (before)
        using (after)
        {
            Assert.Equal(before!.Ranges, after!.Ranges);
            foreach (PhysicalRange range in before.Ranges)
            {
                byte[] expected = TestData.Read(before, range.Start, (int)range.Length);
                foreach (DumpFinding finding in found.Findings)
                {
                    ulong at = finding.Address!.Value;
                    if (at >= range.Start && at < range.End)
                    {
                        expected.AsSpan((int)(at - range.Start), finding.Length).Clear();
                    }
                }

                Assert.True(expected.AsSpan().SequenceEqual(TestData.Read(after, range.Start, (int)range.Length)), $"range 0x{range.Start:x} differs");
            }

            Assert.Empty(DumpScanner.Scan(after).Findings);
        }
    }

    [Theory]
    [MemberData(nameof(QemuFixtureTests.Dumps), MemberType = typeof(QemuFixtureTests))]
    public void Scrubbing_a_qemu_dump_zeroes_the_findings_and_nothing_else(string name, DumpFormat format)
    {
        string input = Fixtures.Get(name);
        string output = Scrub(input, out DumpScanResult found);
        try
        {
            Assert.Equal(4, found.Findings.Count);
            AssertScrubbed(input, output, found);
            Assert.Equal(format, DumpReader.DetectFormat(File.ReadAllBytes(output).AsSpan(0, 16)));
            if (format == DumpFormat.Elf)
            {
                // Byte-identical except the findings' bytes.
                byte[] a = File.ReadAllBytes(input);
                byte[] b = File.ReadAllBytes(output);
                Assert.Equal(a.Length, b.Length);
                var allowed = found.Findings.Select(f => (f.FileOffset!.Value, f.Length)).ToList();
                for (int i = 0; i < a.Length; i++)
                {
                    if (a[i] != b[i])
                    {
                        Assert.Contains(allowed, s => i >= s.Item1 && i < s.Item1 + s.Length);
                        Assert.Equal(0, b[i]);
                    }
                }
            }
        }
        finally
        {
            File.Delete(output);
        }
    }

    [ToolFact("libkdumpfile", "makedumpfile")]
    public void Scrubbed_kdump_and_reassembled_flattened_copies_read_alike_in_libkdumpfile()
    {
        foreach (string name in new[] { "qemu-zlib.kdump", "qemu-zlib.flat", "qemu.elf" })
        {
            string output = Scrub(Fixtures.Get(name), out _);
            string reassembled = output + ".re";
            try
            {
                string checkedFile = output;
                if (name.EndsWith(".flat", StringComparison.Ordinal))
                {
                    int rc = Tools.Run("/bin/sh", ["-c", $"makedumpfile -R '{reassembled}' < '{output}'"], out string text);
                    Assert.True(rc == 0, text);
                    checkedFile = reassembled;
                }

                DumpReader.TryOpen(checkedFile, default, out PhysicalMemory? opened, out _);
                using PhysicalMemory memory = opened!;
                byte[] theirs = Tools.ReadWithLibkdumpfile(checkedFile, memory.Ranges, memory.PageSize);
                int at = 0;
                foreach (PhysicalRange range in memory.Ranges)
                {
                    Assert.True(TestData.Read(memory, range.Start, (int)range.Length).AsSpan().SequenceEqual(theirs.AsSpan(at, (int)range.Length)), $"{name}: 0x{range.Start:x}");
                    at += (int)range.Length;
                }
            }
            finally
            {
                File.Delete(output);
                File.Delete(reassembled);
            }
        }
    }

    [ToolFact("libkdumpfile")]
    public void Scrub_recompresses_with_each_method_and_libkdumpfile_reads_the_result()
    {
        foreach (DumpCompression method in new[] { DumpCompression.Zlib, DumpCompression.Snappy, DumpCompression.Zstd, DumpCompression.Lzo, DumpCompression.None })
        {
            if (method == DumpCompression.Lzo && !Compression.Lzo.IsAvailable)
            {
                continue;
            }

            var builder = new KdumpBuilder { Method = method };
            byte[] page = KdumpTests.Compressible(5);
            Fixtures.Vector("two-keys.bin").CopyTo(page, 1000);
            builder.Pages[1] = KdumpTests.Compressible(1);
            builder.Pages[2] = page;
            byte[] crossing = KdumpTests.Compressible(3);
            byte[] crossingNext = KdumpTests.Compressible(4);
            byte[] entry = Fixtures.Vector("one-key.bin")[4..];
            entry.AsSpan(0, 200).CopyTo(crossing.AsSpan(4096 - 200));
            entry.AsSpan(200).CopyTo(crossingNext);
            builder.Pages[6] = crossing;
            builder.Pages[7] = crossingNext;
            string input = Path.Combine(Path.GetTempPath(), $"cdc-scrub-in-{method}-{Guid.NewGuid():N}");
            File.WriteAllBytes(input, builder.Build());
            string output = Scrub(input, out DumpScanResult found);
            try
            {
                Assert.Equal(2, found.Findings.Count);
                AssertScrubbed(input, output, found);
                DumpReader.TryOpen(output, default, out PhysicalMemory? opened, out _);
                using PhysicalMemory memory = opened!;
                if (method != DumpCompression.None)
                {
                    Assert.Equal(method, memory.Compression);
                }

                byte[] theirs = Tools.ReadWithLibkdumpfile(output, memory.Ranges, memory.PageSize);
                int at = 0;
                foreach (PhysicalRange range in memory.Ranges)
                {
                    Assert.True(TestData.Read(memory, range.Start, (int)range.Length).AsSpan().SequenceEqual(theirs.AsSpan(at, (int)range.Length)), $"{method}: 0x{range.Start:x}");
                    at += (int)range.Length;
                }
            }
            finally
            {
                File.Delete(input);
                File.Delete(output);
            }
        }
    }

    [Fact]
    public void Scrub_command_is_atomic_refuses_out_equal_to_dump_and_exits_0_when_clean()
    {
        using var dir = new TempFolder();
        string input = dir.Write("vmcore", File.ReadAllBytes(Fixtures.Get("qemu.elf")));
        string output = Path.Combine(dir.Path, "clean");
        var result = CliTests.RunCli("scrub", input, "-o", output);
        Assert.True(result.Exit == 0, result.ToString());
        Assert.Contains("scrubbed 4 finding(s)", result.Out, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }

        Assert.Equal(0, CliTests.RunCli("scan", output).Exit);
        Assert.Equal(["clean", "vmcore"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        Assert.Equal(2, CliTests.RunCli("scrub", input, "-o", input).Exit);
        Assert.Equal(2, CliTests.RunCli("scrub", "/nonexistent", "-o", output).Exit);
        Assert.Equal(2, CliTests.RunCli("scrub", input).Exit);
    }

    // A flattened file in which page 5's data was written twice: first holding a blob, then (a later record for the same
    // offsets) clean. The stale record is no part of the dump but is in the file.
    private static (byte[] Flat, byte[] Blob) FlattenedWithStalePage(DumpCompression method)
    {
        byte[] blob = Fixtures.Vector("two-keys.bin");
        byte[] page = KdumpTests.Compressible(5);
        blob.CopyTo(page, 256);
        var builder = new KdumpBuilder { Method = method };
        builder.Pages[1] = KdumpTests.Compressible(1);
        builder.Pages[5] = page;
        byte[] file = builder.Build();

        // The replacing record writes, from the first byte that differs, the file built with the page clean (padded with
        // zeros to cover the first file's end), so only the stale record holds the blob.
        builder.Pages[5] = KdumpTests.Compressible(5);
        byte[] clean = builder.Build();
        int from = file.AsSpan().CommonPrefixLength(clean);
        byte[] replacement = new byte[Math.Max(file.Length, clean.Length) - from];
        clean.AsSpan(from).CopyTo(replacement);
        byte[] flat = KdumpBuilder.Flatten(file, 1 << 20);
        var output = new MemoryStream();
        output.Write(flat, 0, flat.Length - 16);
        byte[] record = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(record, from);
        BinaryPrimitives.WriteInt64BigEndian(record.AsSpan(8), replacement.Length);
        output.Write(record);
        output.Write(replacement);
        output.Write(flat, flat.Length - 16, 16);
        return (output.ToArray(), blob);
    }

    [Theory]
    [InlineData(DumpCompression.None)]
    [InlineData(DumpCompression.Zlib)]
    public void Flattened_scrub_zeroes_key_material_in_overwritten_records_too(DumpCompression method)
    {
        var (flat, blob) = FlattenedWithStalePage(method);
        using var dir = new TempFolder();
        string input = dir.Write("vmcore.flat", flat);

        // The dump itself reads clean; the scan still reports the stale stored copy, by file offset.
        Assert.True(DumpReader.TryOpen(input, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        DumpScanResult found;
        using (PhysicalMemory memory = opened!)
        {
            found = DumpScanner.Scan(memory);
            if (method == DumpCompression.None)
            {
                DumpFinding stale = Assert.Single(found.Findings);
                Assert.True(stale.InOverwrittenRecord);
                Assert.Null(stale.Address);
                Assert.Equal(flat.AsSpan().IndexOf(blob), stale.FileOffset);
            }
            else
            {
                Assert.Empty(found.Findings);
            }
        }

        string output = Path.Combine(dir.Path, "clean.flat");
        var result = CliTests.RunCli("scrub", input, "-o", output);
        Assert.True(result.Exit == 0, result.ToString());
        byte[] scrubbed = File.ReadAllBytes(output);
        Assert.Equal(-1, scrubbed.AsSpan().IndexOf(blob.AsSpan(8, 40)));
        Assert.Equal(0, CliTests.RunCli("scan", output).Exit);

        // Every overwritten record byte is zero in the copy, and the dump reads as before.
        DumpReader.TryOpen(input, default, out PhysicalMemory? before, out _);
        Assert.True(DumpReader.TryOpen(output, default, out PhysicalMemory? after, out problem), problem.ToString());
        using (before)
        using (after)
        {
            var overwritten = ((Sources.FlattenedSource)((Formats.KdumpMemory)after!).Source).Overwritten;
            Assert.NotEmpty(overwritten);
            foreach (var (offset, length) in overwritten)
            {
                Assert.False(scrubbed.AsSpan((int)offset, (int)length).ContainsAnyExcept((byte)0));
            }

            Assert.Equal(before!.Ranges, after.Ranges);
            foreach (PhysicalRange range in before.Ranges)
            {
                Assert.Equal(TestData.Read(before, range.Start, (int)range.Length), TestData.Read(after, range.Start, (int)range.Length));
            }
        }
    }
}
