using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>Regression tests for the defects of the "no key left behind" audit (issue 20), one per defect.</summary>
public class AuditDefectTests
{
    /// <summary>A blob of <paramref name="count"/> keys of <paramref name="keySize"/> bytes, every key byte non-zero and distinct per key.</summary>
    internal static byte[] Blob(int count, int keySize = 32, int seed = 1)
    {
        var keys = new KeyBlobKey[count];
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            byte[] key = new byte[keySize];
            random.NextBytes(key);
            for (int k = 0; k < key.Length; k++)
            {
                key[k] |= 1;
            }

            keys[i] = new KeyBlobKey(Encoding.ASCII.GetBytes($"cryptsetup:key-{seed}-{i}"), key);
        }

        byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(count)];
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.Write(keys, blob, out _, out KeyBlobProblem problem));
        _ = problem;
        return blob;
    }

    internal static byte[] KeyOf(byte[] blob, int index)
    {
        Assert.True(KeyBlobReader.TryRead(blob, out KeyBlob view, out _));
        return view[index].Key.ToArray();
    }

    private static DumpScanResult Scan(byte[] file, DumpOpenOptions options = default)
    {
        using PhysicalMemory memory = TestData.Open(file, options);
        return DumpScanner.Scan(memory);
    }

    [Fact]
    public void Defect01_scrub_zeroes_a_finding_through_every_overlapping_mapping()
    {
        // Two PT_LOADs map the same physical page (as an x86_64 /proc/vmcore's kernel-text segment does); each holds a copy.
        byte[] blob = Blob(2);
        byte[] page = new byte[8192];
        blob.CopyTo(page, 256);
        byte[] elf = new ElfBuilder().Load(0x10000, page).Load(0x10000, page[..4096]).Build();
        using var dir = new TempFolder();
        string input = dir.Write("vmcore", elf);
        Assert.Equal(2, elf.AsSpan().Count(KeyOf(blob, 0)));

        Assert.True(DumpReader.TryOpen(input, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        string output = Path.Combine(dir.Path, "clean");
        using (PhysicalMemory memory = opened!)
        {
            DumpScanResult found = DumpScanner.Scan(memory);
            Assert.Single(found.Findings);
            using var stream = new FileStream(output, FileMode.CreateNew, FileAccess.ReadWrite);
            Assert.True(DumpScrubber.TryScrub(memory, found.Findings, stream, out problem), problem.ToString());
        }

        byte[] scrubbed = File.ReadAllBytes(output);
        Assert.Equal(0, scrubbed.AsSpan().Count(KeyOf(blob, 0)));
        Assert.Equal(0, scrubbed.AsSpan().Count(KeyOf(blob, 1)));
    }

    [Fact]
    public void Defect02_a_blob_whose_zero_tail_is_on_an_excluded_page_is_found_whole()
    {
        // 11 keys: 4 + 11 * 388 = 4272 bytes from the start of page 1; page 2 holds only entry 10's zero padding and is excluded.
        byte[] blob = Blob(11);
        byte[] page = new byte[4096];
        blob.AsSpan(0, 4096).CopyTo(page);
        Assert.False(blob.AsSpan(4096).ContainsAnyExcept((byte)0));
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib };
        builder.Pages[1] = page;
        builder.Excluded.Add(2);
        DumpFinding finding = Assert.Single(Scan(builder.Build()).Findings);
        Assert.Equal(FindingKind.Blob, finding.Kind);
        Assert.Equal(11, finding.Count);
        Assert.Equal(0x1000UL, finding.Address);

        // The same in an ELF segment whose p_filesz ends where the zero tail starts.
        byte[] elf = new ElfBuilder().Load(0x1000, page, memSize: 8192).Build();
        finding = Assert.Single(Scan(elf).Findings);
        Assert.Equal(11, finding.Count);
    }

    [Fact]
    public void Defect03_an_entry_with_non_zero_padding_is_reported_with_what_is_wrong()
    {
        // A freed keys_header: SLUB's freelist pointer sits inside entry 0's data padding.
        byte[] image = new byte[1 << 16];
        byte[] blob = Blob(2, keySize: 32);
        blob.CopyTo(image, 0x1000);
        int padding = 0x1000 + KeyBlobLayout.HeaderSize + KeyBlobLayout.DataOffset + 32 + 64;
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(padding), 0xffff8880_12345678);

        // And a lone entry elsewhere with the same damage in its description padding.
        byte[] lone = Blob(1, keySize: 64, seed: 9);
        lone.AsSpan(KeyBlobLayout.HeaderSize).CopyTo(image.AsSpan(0x4000));
        image[0x4000 + KeyBlobLayout.DescriptionOffset + 100] = 0x42;

        DumpScanResult result = Scan(image);
        Assert.Equal(2, result.Findings.Count);
        DumpFinding damagedBlob = result.Findings[0];
        Assert.Equal(FindingKind.Blob, damagedBlob.Kind);
        Assert.Equal(2, damagedBlob.Count);
        Assert.Equal(KeyBlobError.KeyDataPaddingNotZero, Assert.Single(damagedBlob.Problems).Error);

        DumpFinding entry = result.Findings[1];
        Assert.Equal(FindingKind.Entry, entry.Kind);
        Assert.Equal(0x4000L, entry.FileOffset);
        Assert.Equal(KeyBlobError.DescriptionPaddingNotZero, Assert.Single(entry.Problems).Error);
    }

    [Fact]
    public void Defect04_kdump_pages_sharing_one_block_are_scanned_once_and_scrubbed_together()
    {
        // 300 page descriptors name one compressed block that holds a blob: the data is scanned once, not 300 times.
        byte[] page = KdumpTests.Compressible(1);
        byte[] blob = Blob(2);
        blob.CopyTo(page, 512);
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib, MaxMapNr = 512 };
        for (ulong pfn = 10; pfn < 310; pfn++)
        {
            builder.Pages[pfn] = page;
        }

        byte[] file = builder.Build();
        long descriptors = 4 * 4096;
        for (int i = 1; i < 300; i++)
        {
            file.AsSpan((int)descriptors, 16).CopyTo(file.AsSpan((int)descriptors + (24 * i)));
        }

        using var dir = new TempFolder();
        string input = dir.Write("vmcore", file);
        Assert.True(DumpReader.TryOpen(input, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        string output = Path.Combine(dir.Path, "clean");
        using (PhysicalMemory memory = opened!)
        {
            Assert.Equal(300UL * 4096, memory.StoredBytes);
            DumpScanResult result = DumpScanner.Scan(memory);
            Assert.Equal(4096UL, result.BytesScanned);
            Assert.Equal(299, result.RepeatedPages);
            Assert.Equal(10UL * 4096 + 512, Assert.Single(result.Findings).Address);
            using var stream = new FileStream(output, FileMode.CreateNew, FileAccess.ReadWrite);
            Assert.True(DumpScrubber.TryScrub(memory, result.Findings, stream, out problem), problem.ToString());
        }

        // The independent check decompresses the shared block once too: the two keys, whole and by halves, once each.
        using (var keys = new Forms.KeySet())
        {
            keys.Add("a:b"u8, KeyOf(blob, 0));
            keys.Add("a:c"u8, KeyOf(blob, 1));
            Assert.True(LeftoverCheck.TryCheck(input, keys, false, out var leftovers, 10_000, out problem), problem.ToString());
            Assert.Equal(6, leftovers.Count);
        }

        // Every page that shared the block reads back scrubbed, none as a damaged page.
        using PhysicalMemory after = TestData.Open(File.ReadAllBytes(output));
        page.AsSpan(512, blob.Length).Clear();
        for (ulong pfn = 10; pfn < 310; pfn++)
        {
            Assert.Equal(page, TestData.Read(after, pfn * 4096, 4096));
        }
    }

    [Fact]
    public void Defect04_segments_that_map_the_same_file_bytes_twice_are_refused()
    {
        // The second PT_LOAD (program header 1 at 64 + 56) made to map the first's 4096 file bytes again: p_offset at + 8,
        // p_filesz at + 32, p_memsz at + 40. Two such headers map more bytes than the file holds.
        byte[] elf = new ElfBuilder().Load(0x1000, new byte[4096]).Load(0x100000, new byte[16]).Build();
        elf.AsSpan(64 + 8, 8).CopyTo(elf.AsSpan(64 + 56 + 8));
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(64 + 56 + 32), 4096);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(64 + 56 + 40), 4096);
        Assert.Equal(DumpError.SegmentsShareFileBytes, TestData.Refuse(elf).Error);
    }

    [Fact]
    public void Defect04_note_segments_that_repeat_the_same_notes_are_refused()
    {
        // Three PT_NOTE headers over the same 50 notes: walking each would read the notes three times.
        const int Ehsize = 64;
        const int Phsize = 56;
        byte[] notes = new byte[50 * 20];
        for (int i = 0; i < 50; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(i * 20), 5);
            BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan((i * 20) + 8), 1);
            "CORE"u8.CopyTo(notes.AsSpan((i * 20) + 12));
        }

        byte[] elf = new byte[Ehsize + (3 * Phsize) + notes.Length];
        byte[] header = new ElfBuilder().Build();
        header.AsSpan(0, Ehsize).CopyTo(elf);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(56), 3);
        for (int i = 0; i < 3; i++)
        {
            Span<byte> ph = elf.AsSpan(Ehsize + (i * Phsize), Phsize);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, 4);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], Ehsize + (3 * Phsize));
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)notes.Length);
        }

        notes.CopyTo(elf, Ehsize + (3 * Phsize));
        Assert.Equal(DumpError.NoteMalformed, TestData.Refuse(elf).Error);
    }

    [Fact]
    public void Defect04_findings_are_capped_in_address_order_and_counted()
    {
        byte[] entry = Blob(1, keySize: 48, seed: 3)[KeyBlobLayout.HeaderSize..];
        byte[] image = new byte[3000 * 400];
        for (int i = 0; i < 3000; i++)
        {
            entry.CopyTo(image, i * 400);
        }

        using PhysicalMemory memory = TestData.Open(image);
        DumpScanResult result = DumpScanner.Scan(memory, new DumpScanOptions { MaxFindings = 100 });
        Assert.Equal(3000, result.FindingCount);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i * 400), result.Findings.Select(f => f.FileOffset!.Value));
    }

    [Fact]
    public void Defect05_the_scrubbed_copy_never_holds_a_key_byte_at_any_moment()
    {
        // Every state of the output file, after every write: a signal at any point can leave only such a state behind.
        byte[] blob = Blob(2);
        foreach (byte[] file in new[] { RawWith(blob), KdumpWith(blob, DumpCompression.None), KdumpBuilder.Flatten(KdumpWith(blob, DumpCompression.None), 3000) })
        {
            using PhysicalMemory memory = TestData.Open(file);
            DumpScanResult found = DumpScanner.Scan(memory);
            Assert.NotEmpty(found.Findings);
            using var output = new WatchedStream([KeyOf(blob, 0), KeyOf(blob, 1)]);
            Assert.True(DumpScrubber.TryScrub(memory, found.Findings, output, out DumpProblem problem), problem.ToString());
            Assert.True(output.Writes > 0);
        }

        static byte[] RawWith(byte[] blob)
        {
            byte[] image = new byte[1 << 16];
            blob.CopyTo(image, 0x2000);
            return image;
        }

        static byte[] KdumpWith(byte[] blob, DumpCompression method)
        {
            var builder = new KdumpBuilder { Method = method };
            byte[] page = new byte[4096];
            blob.CopyTo(page, 64);
            builder.Pages[3] = page;
            return builder.Build();
        }
    }

    // A file in memory that fails as soon as any write leaves a secret in it.
    private sealed class WatchedStream(byte[][] secrets) : Stream
    {
        private readonly MemoryStream _file = new();

        public int Writes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => _file.Length;

        public override long Position { get => _file.Position; set => _file.Position = value; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _file.Write(buffer);
            Writes++;
            foreach (byte[] secret in secrets)
            {
                Assert.True(_file.GetBuffer().AsSpan(0, (int)_file.Length).IndexOf(secret) < 0, $"write {Writes} left a key in the output");
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

        public override void SetLength(long value) => _file.SetLength(value);
    }

    // Defect 5 (a scrub interrupted by SIGINT before the rename leaves no file) needs the tool's test seam, which only
    // the CLI's test assembly has: ProcessHardeningTests.Defect05_a_scrub_stopped_by_SIGINT_before_the_rename_writes_nothing.

    [Fact]
    public void Defect06_a_file_truncated_during_a_scan_is_an_error_with_a_code_not_a_crash()
    {
        using var dir = new TempFolder();
        byte[] image = new byte[8 << 20];
        Blob(2).CopyTo(image, image.Length - 8192);
        string path = dir.Write("image.raw", image);
        Assert.True(DumpReader.TryOpen(path, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        using PhysicalMemory memory = opened!;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(4096);
        }

        DumpScanResult result = DumpScanner.Scan(memory);
        Assert.True(result.ProblemCount > 0);
        Assert.All(result.Problems, p => Assert.Equal(DumpError.IoError, p.Error));
        Assert.Empty(result.Findings);
    }

    [Fact]
    public void Defect06_disposing_the_memory_during_a_scan_is_not_a_crash()
    {
        using var dir = new TempFolder();
        string path = dir.Write("image.raw", new byte[32 << 20]);
        Assert.True(DumpReader.TryOpen(path, default, out PhysicalMemory? opened, out DumpProblem problem), problem.ToString());
        PhysicalMemory memory = opened!;
        var progress = new DisposeOnFirstReport(memory);
        DumpScanResult result = DumpScanner.Scan(memory, new DumpScanOptions { MaxDegreeOfParallelism = 1, Progress = progress });
        Assert.True(progress.Disposed);
        Assert.True(result.ProblemCount > 0);
        Assert.All(result.Problems, p => Assert.Equal(DumpError.IoError, p.Error));
    }

    private sealed class DisposeOnFirstReport(PhysicalMemory memory) : IProgress<DumpScanProgress>
    {
        public bool Disposed { get; private set; }

        public void Report(DumpScanProgress value)
        {
            if (!Disposed)
            {
                Disposed = true;
                memory.Dispose();
            }
        }
    }

    [Fact]
    public void Defect08_the_zstd_context_that_saw_a_page_is_cleared_before_it_is_freed()
    {
        byte[] key = KeyOf(Blob(1, keySize: 64, seed: 4), 0);
        byte[] page = TestData.Pattern(4096, 8);
        page.AsSpan(0, 3000).Clear();
        key.CopyTo(page, 2000);
        byte[] packed = new ZstdSharp.Compressor(3).Wrap(page).ToArray();
        byte[] output = new byte[4096];
        foreach (Compression.PageDecompressor? zstd in new[] { Compression.PageDecompressor.CreateNative(DumpCompression.Zstd), Compression.PageDecompressor.CreateManaged(DumpCompression.Zstd) })
        {
            if (zstd is null)
            {
                continue;                                                          // libzstd.so.1 not installed
            }

            using (zstd)
            {
                Assert.Equal(DumpError.None, zstd.Decompress(packed, output));
                Assert.Equal(page, output);

                // The context holds the page's literals, the key among them, until it is cleared.
                Assert.True(zstd.StateContains(key.AsSpan(0, 16)));
                zstd.ClearState();
                Assert.False(zstd.StateContains(key.AsSpan(0, 16)));
            }

            Assert.Throws<ObjectDisposedException>(() => zstd.Decompress(packed, output));
        }
    }

    [Fact]
    public void Defect09_a_stored_page_near_the_top_of_the_address_space_is_scanned()
    {
        byte[] image = new byte[0x8000];
        Blob(2).CopyTo(image, 0x100);
        const ulong Base = 0xFFFF_FFFF_FFFF_0000;
        DumpScanResult result = Scan(image, new DumpOpenOptions { RawBase = Base });
        Assert.Equal((ulong)image.Length, result.BytesScanned);
        Assert.Equal(Base + 0x100, Assert.Single(result.Findings).Address);
    }

    [Fact]
    public async Task Defect10_scan_and_scrub_of_a_fifo_refuse_it_instead_of_blocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var dir = new TempFolder();
        string fifo = Path.Combine(dir.Path, "fifo");
        using (Process mkfifo = Process.Start("mkfifo", [fifo])!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        foreach (string[] args in new[] { new[] { "scan", fifo }, ["scrub", fifo, "-o", Path.Combine(dir.Path, "out")] })
        {
            Task<(int Exit, string Out, string Err)> run = Task.Run(() => CliTests.RunCli(args));
            (int Exit, string Out, string Err) result;
            try
            {
                // A hang is the defect: give up after a minute rather than block the test run forever.
                result = await run.WaitAsync(TimeSpan.FromMinutes(1));
            }
            catch (TimeoutException)
            {
                // Unblock the reader so the test run can end.
                await using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write);
                throw;
            }

            Assert.Equal(2, result.Exit);
        }
    }

    [Fact]
    public void Defect11_a_lone_entry_whose_key_runs_into_a_blob_does_not_hide_the_blob()
    {
        byte[] image = new byte[1 << 16];
        const int Entry = 0x1000;
        const int BlobAt = Entry + 300;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(Entry), 256);
        "cryptsetup:lone"u8.CopyTo(image.AsSpan(Entry + KeyBlobLayout.DescriptionOffset));
        image.AsSpan(Entry + KeyBlobLayout.DataOffset, BlobAt - Entry - KeyBlobLayout.DataOffset).Fill(0xA5);
        Blob(2).CopyTo(image, BlobAt);

        DumpScanResult result = Scan(image);
        Assert.Equal(
            [(FindingKind.Entry, (long)Entry, 1), (FindingKind.Blob, (long)BlobAt, 2)],
            result.Findings.Select(f => (f.Kind, f.FileOffset!.Value, f.Count)).ToList());
    }
}
