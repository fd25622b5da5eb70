using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using CrashDmCrypt.Dumps;
using Xunit.Abstractions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 6: Debian's makedumpfile turns the real dump of scenario 5 into kdump-compressed dumps (zlib, LZO;
/// Debian's 1.7.2 is built without snappy and zstd), with `-d 31` page exclusion, and flattened (`-F`). The
/// project must read every page exactly as libkdumpfile (python3-libkdumpfile) does, and find in each dump the
/// same blob copies the ELF dump holds, except where makedumpfile excluded the page.
/// </summary>
[Collection(RealDumpGroup.Name)]
public sealed class MakedumpfileTests(RealDumpRun run, ITestOutputHelper output)
{
    private const int Chunk = 1 << 20;

    public static TheoryData<string, string> Variants() => new()
    {
        { "zlib, -d 31", "-c -d 31" },
        { "lzo, -d 31", "-l -d 31" },
        { "zlib, every page", "-c -d 0" },
        { "flattened zlib, -d 31", "-F -c -d 31" },
    };

    [LabTheory]
    [MemberData(nameof(Variants))]
    public void The_project_reads_every_page_as_libkdumpfile_does_and_finds_the_same_copies(string name, string options)
    {
        LabInstall.Need("makedumpfile", "makedumpfile");
        LabInstall.Need("/usr/lib/python3/dist-packages/kdumpfile", "python3-libkdumpfile");
        string work = Directory.CreateTempSubdirectory("cdc-lab-mdf-").FullName;
        try
        {
            string elf = Path.Combine(work, "vmcore.elf");
            WithProgramHeadersFirst(run.Dump, elf);
            string dump = Path.Combine(work, "vmcore.kdump");
            bool flattened = options.Contains("-F", StringComparison.Ordinal);
            var started = Stopwatch.StartNew();
            if (flattened)
            {
                Shell($"makedumpfile {options} '{elf}' > '{dump}'");
            }
            else
            {
                Shell($"makedumpfile {options} '{elf}' '{dump}'");
            }

            output.WriteLine($"{name}: makedumpfile {started.Elapsed.TotalSeconds:0.0} s, {new FileInfo(dump).Length:N0} bytes");
            if (!flattened)
            {
                KeepForBenchmarks(dump, name);
            }

            // libkdumpfile reads kdump-compressed files, not flattened ones: makedumpfile -R reassembles.
            string forLibkdumpfile = dump;
            if (flattened)
            {
                forLibkdumpfile = Path.Combine(work, "reassembled.kdump");
                Shell($"makedumpfile -R '{forLibkdumpfile}' < '{dump}'");
            }

            Assert.True(DumpReader.TryOpen(dump, default, out PhysicalMemory? memory, out DumpProblem problem), $"the project cannot open it: {problem}");
            IReadOnlyList<PhysicalRange> ranges = memory!.Ranges.ToList();
            using (memory)
            {
                var ours = ChunkDigests(memory!);
                var theirs = LibkdumpfileDigests(forLibkdumpfile, memory!.Ranges);
                Assert.Equal(theirs.Count, ours.Count);
                var differ = ours.Where((d, i) => d != theirs[i]).Take(5).ToList();
                Assert.True(differ.Count == 0, $"{ours.Count(o => !theirs.Contains(o))} of {ours.Count} MiB chunks read differently from libkdumpfile; first: {string.Join(", ", differ)}");
            }

            // The copies: every blob the ELF dump holds, where makedumpfile kept its page.
            var inElf = BlobAddresses(run.Dump);
            var inDump = BlobAddresses(dump);
            output.WriteLine($"{name}: blobs in ELF at {string.Join(", ", inElf.Select(a => $"0x{a:x}"))}; in this dump at {string.Join(", ", inDump.Select(a => $"0x{a:x}"))}");
            Assert.NotEmpty(inDump);
            Assert.Subset(inElf.ToHashSet(), inDump.ToHashSet());
            if (options.Contains("-d 0", StringComparison.Ordinal))
            {
                Assert.Equal(inElf, inDump);
            }

            // The audit on makedumpfile's dump: after scrub, no form of the volume key is in any page libkdumpfile
            // reads, nor anywhere in the file's bytes (checked outside the tool).
            string scrubbed = Path.Combine(work, "scrubbed.kdump");
            (int code, string stdout, string stderr) = LabCli.Run("scrub", dump, "-o", scrubbed);
            output.WriteLine($"{name}: scrub: {stdout.Split('\n').LastOrDefault(l => l.Length > 0)} {stderr}");
            Assert.True(code == 0, $"scrub exited {code}: {stdout}\n{stderr}");
            string readable = scrubbed;
            if (flattened)
            {
                readable = Path.Combine(work, "scrubbed-reassembled.kdump");
                Shell($"makedumpfile -R '{readable}' < '{scrubbed}'");
            }

            var forms = AuditTests.Forms().ToList();
            byte[] file = File.ReadAllBytes(scrubbed);
            Assert.Empty(forms.Where(f => file.AsSpan().IndexOf(f.Bytes) >= 0).Select(f => f.Form));
            Assert.Empty(LibkdumpfileSearch(readable, ranges, forms));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // With CDC_LAB_KEEP_DUMPS set to a directory, makedumpfile's kdump-compressed dumps of the real memory (not the
    // flattened one, which libkdumpfile does not read) are copied there as lab-<variant>.kdump for
    // bench/kdump-vs-libkdumpfile.sh --dump (issue 23's target 1 on real dumps). They hold the lab's own volume key only.
    private static void KeepForBenchmarks(string dump, string name)
    {
        string? keep = Environment.GetEnvironmentVariable("CDC_LAB_KEEP_DUMPS");
        if (!string.IsNullOrEmpty(keep))
        {
            Directory.CreateDirectory(keep);
            string slug = System.Text.RegularExpressions.Regex.Replace(name, "[^A-Za-z0-9]+", "-").Trim('-');
            File.Copy(dump, Path.Combine(keep, $"lab-{slug}.kdump"), overwrite: true);
        }
    }

    /// <summary>
    /// `--split` into three files: each is a kdump-compressed file holding its share of the pages (the rest marked
    /// excluded); the project reads each part page for page as libkdumpfile reads that part, the parts' blob copies
    /// together are the ELF dump's, and `--reassemble` gives back a dump the project reads as libkdumpfile does.
    /// </summary>
    [LabFact]
    public void Split_dumps_read_part_by_part_as_libkdumpfile_reads_them_and_reassemble()
    {
        LabInstall.Need("makedumpfile", "makedumpfile");
        string work = Directory.CreateTempSubdirectory("cdc-lab-split-").FullName;
        try
        {
            string elf = Path.Combine(work, "vmcore.elf");
            WithProgramHeadersFirst(run.Dump, elf);
            string[] parts = [.. Enumerable.Range(1, 3).Select(i => Path.Combine(work, $"part{i}.kdump"))];
            Shell($"makedumpfile --split -c -d 31 --splitblock-size 1024 '{elf}' {string.Join(' ', parts.Select(p => $"'{p}'"))}");
            var inParts = new SortedSet<ulong>();
            foreach (string part in parts)
            {
                AssertReadsAsLibkdumpfile(part);
                inParts.UnionWith(BlobAddresses(part));
            }

            Assert.Equal(BlobAddresses(run.Dump), inParts.ToList());
            string whole = Path.Combine(work, "reassembled.kdump");
            Shell($"makedumpfile --reassemble {string.Join(' ', parts.Select(p => $"'{p}'"))} '{whole}'");
            AssertReadsAsLibkdumpfile(whole);
            Assert.Equal(BlobAddresses(run.Dump), BlobAddresses(whole));
            output.WriteLine($"split into {string.Join(", ", parts.Select(p => new FileInfo(p).Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))} bytes; blobs at {string.Join(", ", inParts.Select(a => $"0x{a:x}"))}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void AssertReadsAsLibkdumpfile(string dump)
    {
        Assert.True(DumpReader.TryOpen(dump, default, out PhysicalMemory? memory, out DumpProblem problem), $"the project cannot open {Path.GetFileName(dump)}: {problem}");
        using (memory)
        {
            var ours = ChunkDigests(memory!);
            var theirs = LibkdumpfileDigests(dump, memory!.Ranges);
            Assert.Equal(theirs, ours);
        }
    }

    private static List<ulong> BlobAddresses(string dump)
    {
        JsonElement scan = LabCli.Json("scan", dump, "--json", "--byte-order", "little");
        return scan.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() == "blob")
            .Select(f => f.GetProperty("address").GetUInt64())
            .Order()
            .ToList();
    }

    private static List<string> ChunkDigests(PhysicalMemory memory)
    {
        var digests = new List<string>();
        byte[] buffer = new byte[Chunk];
        foreach (PhysicalRange range in memory.Ranges)
        {
            for (ulong at = range.Start; at < range.End; at += Chunk)
            {
                int length = (int)Math.Min(Chunk, range.End - at);
                Assert.True(memory.TryRead(at, buffer.AsSpan(0, length), out DumpProblem problem), $"read at 0x{at:x}: {problem}");
                digests.Add($"{at:x}:{Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, length)))[..16]}");
            }
        }

        return digests;
    }

    private static List<string> LibkdumpfileDigests(string dump, IReadOnlyList<PhysicalRange> ranges)
    {
        string script = """
            import sys, hashlib, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            k.attr['file.zero_excluded'] = 1
            for spec in sys.argv[2:]:
                start, end = (int(x, 16) for x in spec.split(':'))
                at = start
                while at < end:
                    n = min(1 << 20, end - at)
                    print('%x:%s' % (at, hashlib.sha256(k.read(kdumpfile.KDUMP_MACHPHYSADDR, at, n)).hexdigest()[:16]))
                    at += n
            """;
        var args = new List<string> { "-c", script, dump };
        args.AddRange(ranges.Select(r => $"{r.Start:x}:{r.End:x}"));
        return LabImages.Run("/usr/bin/python3", [.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    /// <summary>The forms libkdumpfile finds anywhere in the dump's memory (1 MiB reads, 1 KiB overlap).</summary>
    private static List<string> LibkdumpfileSearch(string dump, IReadOnlyList<PhysicalRange> ranges, List<(string Form, byte[] Bytes)> forms)
    {
        string script = """
            import sys, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            k.attr['file.zero_excluded'] = 1
            forms = [bytes.fromhex(h) for h in sys.argv[2].split(',')]
            found = set()
            for spec in sys.argv[3:]:
                start, end = (int(x, 16) for x in spec.split(':'))
                at = start
                while at < end:
                    n = min((1 << 20) + 1024, end - at)
                    chunk = k.read(kdumpfile.KDUMP_MACHPHYSADDR, at, n)
                    for i, f in enumerate(forms):
                        if f in chunk:
                            found.add(i)
                    at += 1 << 20
            for i in sorted(found):
                print(i)
            """;
        var args = new List<string> { "-c", script, dump, string.Join(',', forms.Select(f => Convert.ToHexStringLower(f.Bytes))) };
        args.AddRange(ranges.Select(r => $"{r.Start:x}:{r.End:x}"));
        return LabImages.Run("/usr/bin/python3", [.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(i => forms[int.Parse(i, System.Globalization.CultureInfo.InvariantCulture)].Form).ToList();
    }

    private static void Shell(string command) => LabImages.Run("bash", "-c", "set -o pipefail; " + command + " 2>/tmp/cdc-lab-mdf.err || { cat /tmp/cdc-lab-mdf.err >&2; exit 1; }");

    /// <summary>
    /// A copy of QEMU's ELF dump with the program headers right after the ELF header: QEMU writes its section
    /// headers there and the program headers after them, and makedumpfile (1.7.2 and upstream) reads program
    /// headers right after the ELF header whatever e_phoff says (REAL-KERNEL-LAB.md). Only the header bytes
    /// before the first segment change.
    /// </summary>
    private static void WithProgramHeadersFirst(string source, string destination)
    {
        File.Copy(source, destination);
        using FileStream file = File.Open(destination, FileMode.Open, FileAccess.ReadWrite);
        var head = new byte[64];
        file.ReadExactly(head);
        long phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(head.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(0x38));
        var headers = new byte[phentsize * phnum];
        file.Position = phoff;
        file.ReadExactly(headers);
        long first = Enumerable.Range(0, phnum).Min(i => (long)BinaryPrimitives.ReadUInt64LittleEndian(headers.AsSpan((i * phentsize) + 8)));
        Assert.True(64 + headers.Length <= first, "no room for the program headers before the first segment");
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(0x20), 64); // e_phoff
        BinaryPrimitives.WriteUInt64LittleEndian(head.AsSpan(0x28), 0); // e_shoff: no section headers
        head.AsSpan(0x3a, 6).Clear(); // e_shentsize, e_shnum, e_shstrndx
        file.Position = 0;
        file.Write(head);
        file.Write(headers);
        file.Write(new byte[first - 64 - headers.Length]);
    }
}
