using System.Runtime.InteropServices;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// <see cref="DumpScanner.ScanEveryForm"/>, one read of each window, gives what the three calls it replaces give one after
/// the other (<see cref="DumpScanner.Scan"/>, <see cref="DumpScanner.SearchForms"/>, <see cref="DumpScanner.SearchOutsideMemory"/>):
/// the same findings in the same order, the same keys, the same counts.
/// </summary>
public class EveryFormScanTests
{
    private const int Window = DumpScanner.WindowSize;

    // The three passes, as the audit ran them.
    private static DumpScanResult ThreePasses(PhysicalMemory memory, KeySet keys, DumpScanOptions options)
    {
        DumpScanResult found = DumpScanner.Scan(memory, options);
        keys.AddFrom(memory, found.Findings);
        DumpScanResult forms = DumpScanner.SearchForms(memory, keys, found.Findings, options);
        IReadOnlyList<DumpFinding> outside = keys.Count == 0 ? [] : DumpScanner.SearchOutsideMemory(memory, keys, [.. found.Findings, .. forms.Findings]);
        return new DumpScanResult
        {
            Findings = [.. found.Findings, .. forms.Findings, .. outside],
            BytesScanned = found.BytesScanned,
            Problems = [.. found.Problems, .. forms.Problems.Except(found.Problems)],
            ProblemCount = found.ProblemCount + forms.Problems.Except(found.Problems).Count(),
            FindingCount = found.FindingCount + forms.FindingCount + outside.Count,
            RepeatedPages = found.RepeatedPages,
        };
    }

    internal static string Describe(DumpFinding f) =>
        $"{f.Kind} {f.Address} {f.FileOffset} {f.ByteOrder} {f.Length} {f.Part} {f.Schedule} {f.KeyIndex} {f.OutsideMemory} {f.InOverwrittenRecord} "
        + string.Join(",", f.Keys.Select(k => Convert.ToHexString(k.Description.Span) + "/" + k.KeySize))
        + " " + string.Join(",", f.Problems.Select(p => p.Code + "@" + p.Offset));

    internal static string Describe(KeySet keys) =>
        string.Join(";", Enumerable.Range(0, keys.Count).Select(k => Convert.ToHexString(keys.GetDescription(k).Span) + "/" + Convert.ToHexString(keys.GetKey(k))));

    // Runs both on one memory (opened twice: a reader keeps no state between calls, but the comparison should not rely on
    // that) and asserts they agree; returns the fused result.
    private static DumpScanResult AssertSame(Func<PhysicalMemory> open, Func<KeySet> userKeys, DumpScanOptions options)
    {
        using PhysicalMemory first = open();
        using PhysicalMemory second = open();
        using KeySet expectedKeys = userKeys();
        using KeySet actualKeys = userKeys();
        DumpScanResult expected = ThreePasses(first, expectedKeys, options);
        DumpScanResult actual = DumpScanner.ScanEveryForm(second, actualKeys, options);
        Assert.Equal(expected.Findings.Select(Describe).ToList(), actual.Findings.Select(Describe).ToList());
        Assert.Equal(Describe(expectedKeys), Describe(actualKeys));
        Assert.Equal(expected.FindingCount, actual.FindingCount);
        Assert.Equal(expected.BytesScanned, actual.BytesScanned);
        Assert.Equal(expected.RepeatedPages, actual.RepeatedPages);
        Assert.Equal(expected.Problems.ToHashSet(), actual.Problems.ToHashSet());
        Assert.Equal(expected.ProblemCount, actual.ProblemCount);
        Assert.False(actual.Cancelled);
        return actual;
    }

    private static byte[] Schedule(byte[] key, bool decrypt)
    {
        uint[] enc = new uint[60];
        uint[] dec = new uint[60];
        AesKeyExpansion.Expand(key, enc, dec);
        return MemoryMarshal.AsBytes((decrypt ? dec : enc).AsSpan(0, AesKeyExpansion.ScheduleWords(key.Length))).ToArray();
    }

    // A placed thing: which blob of the pool (0..3) or the user's key (4), which form (0 the blob itself, 1 a lone entry of
    // it, 2 a key's raw bytes, 3 its first half, 4 an encryption schedule, 5 a decryption schedule of a half), which key of
    // the blob, and where (a fraction of the image, then a byte shift).
    private readonly record struct Placement(int Source, int Form, int Key, double At, int Shift);

    private static readonly Gen<Placement> Placements =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 5], Gen.Int[0, 2], Gen.Double[0, 1], Gen.Int[0, 7])
            .Select((source, form, key, at, shift) => new Placement(source, form, key, at, shift));

    private static readonly byte[][] Pool = [AuditDefectTests.Blob(2, 64, 31), AuditDefectTests.Blob(3, 32, 32), AuditDefectTests.Blob(1, 64, 33), AuditDefectTests.Blob(2, 16, 34)];

    private static readonly byte[] UserKey = TestData.Pattern(32, 35);

    private static byte[] Image(int length, Placement[] placements, bool noise)
    {
        byte[] image = noise ? TestData.Pattern(length, 36) : new byte[length];
        if (noise)
        {
            // Random bytes with zero runs between, so that most pages are not all random.
            for (int at = 0; at < length; at += 8192)
            {
                image.AsSpan(at, Math.Min(4096, length - at)).Clear();
            }
        }

        foreach (Placement p in placements)
        {
            byte[] blob = p.Source < Pool.Length ? Pool[p.Source] : [];
            byte[] key = p.Source < Pool.Length ? AuditDefectTests.KeyOf(blob, p.Key % ((blob.Length - 4) / 388)) : UserKey;
            byte[] bytes = (p.Form, p.Source < Pool.Length) switch
            {
                (0, true) => blob,
                (1, true) => blob.AsSpan(4 + (388 * (p.Key % ((blob.Length - 4) / 388))), 388).ToArray(),
                (3, _) => key[..(key.Length / 2)],
                (4, _) => Schedule(key.Length == 64 ? key[32..] : key, decrypt: false),
                (5, _) => Schedule(key.Length == 64 ? key[..32] : key, decrypt: true),
                _ => key,
            };

            // Blobs and entries are 4-byte aligned in memory (kmalloc); the other forms at any byte.
            int at = (int)(p.At * (length - bytes.Length));
            at = p.Form <= 1 ? at & ~3 : at + (p.Shift % 4) <= length - bytes.Length ? at + (p.Shift % 4) : at;
            bytes.CopyTo(image, at);
        }

        return image;
    }

    private static KeySet Keys(bool withUserKey)
    {
        var keys = new KeySet();
        if (withUserKey)
        {
            keys.Add("key-file:volume.key"u8, UserKey);
        }

        return keys;
    }

    [Fact]
    public void Generated_raw_and_elf_memories_give_the_three_passes_findings()
    {
        long reread = 0;
        long findings = 0;
        Gen.Select(Gen.Int[1, 4], Placements.Array[0, 12], Gen.Bool, Gen.Int[0, 4], Gen.Int[1, 2])
            .Select(Gen.Int[0, 3])
            .Sample(
                (shape, maxFindings) =>
                {
                    var (windows, placements, withUserKey, layout, threads) = shape;
                    int length = (windows * Window) - (layout * 4096) + 12;
                    byte[] image = Image(length, placements, noise: layout == 2);
                    var options = new DumpScanOptions { MaxDegreeOfParallelism = threads, MaxFindings = maxFindings == 0 ? 2 : 0 };
                    Func<PhysicalMemory> open = layout switch
                    {
                        // ELF: two segments, the first ending at an odd size, the second starting past a hole.
                        3 => () => TestData.Open(new ElfBuilder().Load(0x1000, image[..(length / 2 + 3)]).Load(0x4000_0001UL, image[(length / 2 + 3)..]).Build()),
                        4 => () => TestData.Open(new ElfBuilder(bigEndian: false).Load(0x10_0000, image, (ulong)length + 0x3000).Build()),
                        _ => () => TestData.Open(image, new DumpOpenOptions { RawBase = layout == 1 ? 0x4000_0000UL : 0 }),
                    };
                    DumpScanResult fused = AssertSame(open, () => Keys(withUserKey), options);
                    Interlocked.Add(ref reread, fused.WindowsReread);
                    Interlocked.Add(ref findings, fused.Findings.Count);
                },
                iter: 40);

        // The samples reach both paths: forms found in the first read and in windows read again.
        Assert.True(reread > 0 && findings > 40, $"{reread} windows read again, {findings} findings");
    }

    [Fact]
    public void A_key_found_after_its_copies_were_read_is_searched_for_in_those_windows_only()
    {
        // A schedule of a blob key in the first window, the blob in the last: the first windows are read again for it.
        byte[] blob = Pool[1];
        byte[] key = AuditDefectTests.KeyOf(blob, 2);
        byte[] image = new byte[4 * Window];
        Schedule(key, decrypt: true).CopyTo(image, 0x2001);
        key.CopyTo(image, Window + 0x303);
        blob.CopyTo(image, (3 * Window) + 0x4000);

        DumpScanResult fused = AssertSame(() => TestData.Open(image), () => Keys(false), new DumpScanOptions { MaxDegreeOfParallelism = 1 });
        Assert.Equal(3, fused.WindowsReread);
        Assert.Equal(3UL * Window, fused.BytesReread);
        Assert.Contains(fused.Findings, f => f.Kind == FindingKind.AesSchedule && f.FileOffset == 0x2001);

        // The blob first: its key is known to every window after it, and nothing is read again.
        image.AsSpan().Clear();
        blob.CopyTo(image, 0x4000);
        Schedule(key, decrypt: true).CopyTo(image, (2 * Window) + 0x2001);
        DumpScanResult ordered = AssertSame(() => TestData.Open(image), () => Keys(false), new DumpScanOptions { MaxDegreeOfParallelism = 1 });
        Assert.Equal(0, ordered.WindowsReread);
        Assert.Contains(ordered.Findings, f => f.Kind == FindingKind.AesSchedule && f.FileOffset == (2 * Window) + 0x2001);
    }

    [Theory]
    [InlineData(DumpCompression.None)]
    [InlineData(DumpCompression.Zlib)]
    [InlineData(DumpCompression.Zstd)]
    [InlineData(DumpCompression.Snappy)]
    [InlineData(DumpCompression.Lzo)]
    public void Kdump_pages_give_the_three_passes_findings(DumpCompression method)
    {
        byte[] blob = Pool[0];
        byte[] key = AuditDefectTests.KeyOf(blob, 1);
        var builder = new KdumpBuilder { Method = method };
        byte[] page = KdumpTests.Compressible(2);
        Schedule(key[..32], decrypt: false).CopyTo(page, 1001);
        builder.Pages[2] = page;
        byte[] blobPages = new byte[3 * 4096];
        blob.CopyTo(blobPages, 8);
        for (int p = 0; p < 3; p++)
        {
            builder.Pages[(ulong)(10 + p)] = blobPages[(p * 4096)..((p + 1) * 4096)];
        }

        // A copy of the key across two pages.
        byte[] keyPages = [.. KdumpTests.Compressible(20), .. KdumpTests.Compressible(21)];
        key.CopyTo(keyPages, 4096 - 40);
        builder.Pages[20] = keyPages[..4096];
        builder.Pages[21] = keyPages[4096..];
        byte[] built = builder.Build();
        AssertSame(() => TestData.Open(built), () => Keys(true), new DumpScanOptions());
    }

    [Theory]
    [InlineData("qemu.elf")]
    [InlineData("qemu-zlib.kdump")]
    [InlineData("qemu-zlib.flat")]
    public void Qemu_fixtures_give_the_three_passes_findings(string name)
    {
        string path = Fixtures.Get(name);
        DumpScanResult fused = AssertSame(
            () =>
            {
                Assert.True(DumpReader.TryOpen(path, default, out PhysicalMemory? memory, out DumpProblem problem), problem.ToString());
                return memory!;
            },
            () => Keys(true),
            new DumpScanOptions());
        Assert.NotEmpty(fused.Findings);
    }

    [Fact]
    public void Progress_covers_the_windows_read_again_and_ends_at_the_total()
    {
        byte[] image = new byte[3 * Window];
        byte[] blob = Pool[2];
        AuditDefectTests.KeyOf(blob, 0).CopyTo(image, 0x1003);
        blob.CopyTo(image, (2 * Window) + 0x100);
        var reports = new List<DumpScanProgress>();
        using PhysicalMemory memory = TestData.Open(image);
        using var keys = new KeySet();
        DumpScanResult result = DumpScanner.ScanEveryForm(memory, keys, new DumpScanOptions { MaxDegreeOfParallelism = 1, Progress = new Recorder(reports) });
        Assert.Equal(2, result.WindowsReread);
        Assert.Equal(5, reports.Count);
        Assert.Equal((3UL * Window) - 0, reports[2].BytesDone);
        Assert.Equal(5UL * Window, reports[^1].BytesTotal);
        Assert.Equal(reports[^1].BytesTotal, reports[^1].BytesDone);
        Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.First.BytesDone < pair.Second.BytesDone));
    }

    [Fact]
    public void A_cancelled_scan_says_so_and_keeps_what_it_found()
    {
        byte[] image = new byte[4 * Window];
        Pool[0].CopyTo(image, 0x1000);
        AuditDefectTests.KeyOf(Pool[0], 0).CopyTo(image, 0x3001);
        Pool[1].CopyTo(image, (3 * Window) + 0x1000);
        using PhysicalMemory memory = TestData.Open(image);
        using var keys = new KeySet();
        using var source = new CancellationTokenSource();
        var reports = new List<DumpScanProgress>();
        var progress = new Recorder(reports, () => source.Cancel());
        DumpScanResult result = DumpScanner.ScanEveryForm(memory, keys, new DumpScanOptions { MaxDegreeOfParallelism = 1, Progress = progress, CancellationToken = source.Token });
        Assert.True(result.Cancelled);
        Assert.Equal((ulong)Window, result.BytesScanned);
        Assert.Equal([FindingKind.Blob, FindingKind.RawKey], result.Findings.Select(f => f.Kind).ToList());
        Assert.Equal(2, keys.Count);
    }

    // Records every report at once (Progress<T> would post them to the thread pool).
    private sealed class Recorder(List<DumpScanProgress> reports, Action? then = null) : IProgress<DumpScanProgress>
    {
        public void Report(DumpScanProgress value)
        {
            reports.Add(value);
            then?.Invoke();
        }
    }
}
