using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Sources;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// <see cref="DumpOpenOptions.MapFile"/>: a scan of a mapped file finds what a scan of the file read with pread finds,
/// and a file that shrank under it is a read problem, as with pread, and not SIGBUS.
/// </summary>
public class MappedFileTests
{
    private const int Window = DumpScanner.WindowSize;

    private static DumpScanResult ScanFile(string path, bool map, out string keys)
    {
        Assert.True(DumpReader.TryOpen(path, new DumpOpenOptions { MapFile = map }, out PhysicalMemory? memory, out DumpProblem problem), problem.ToString());
        using (memory)
        using (var found = new KeySet())
        {
            DumpScanResult result = DumpScanner.ScanEveryForm(memory!, found, new DumpScanOptions { MaxDegreeOfParallelism = 2 });
            keys = EveryFormScanTests.Describe(found);
            return result;
        }
    }

    // The findings as EveryFormScanTests compares them, then the counts and problems.
    private static string Describe(DumpScanResult r) =>
        string.Join("\n", r.Findings.Select(EveryFormScanTests.Describe))
        + $"\n{r.FindingCount} {r.BytesScanned} {r.ProblemCount} " + string.Join(",", r.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));

    [Fact]
    public void A_mapped_scan_of_raw_and_elf_files_finds_what_a_read_scan_finds()
    {
        using var folder = new TempFolder();
        int files = 0;
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 4095], Gen.Int[0, 3].Array[1, 6], Gen.Int[0, int.MaxValue].Array[6], Gen.Bool)
            .Sample(
                (windows, tail, forms, places, elf) =>
                {
                    int length = (windows * Window) + tail;
                    byte[] image = TestData.Pattern(length, length);
                    byte[] blob = AuditDefectTests.Blob(2, 32, windows + tail);
                    byte[] key = AuditDefectTests.KeyOf(blob, 1);
                    for (int i = 0; i < forms.Length; i++)
                    {
                        // A blob, a lone copy of one key, its first half, or zeros (a page the form search passes over);
                        // one blob last, so that nothing covers it.
                        byte[] piece = i == forms.Length - 1 ? blob : forms[i] switch { 0 => blob, 1 => key, 2 => key[..16], _ => new byte[8192] };
                        int at = places[i] % (length - piece.Length);
                        piece.CopyTo(image, piece == blob ? at & ~3 : at); // blobs sit at aligned addresses
                    }

                    // ELF: two segments, split at a page and placed apart, so that a window ends at the first's end.
                    int split = length / 2 & ~4095;
                    byte[] file = elf
                        ? new ElfBuilder().Load(0x1000, image[..split]).Load(0x4000_0000UL, image[split..]).Build()
                        : image;
                    string path = folder.Write($"image-{Interlocked.Increment(ref files)}.bin", file);
                    DumpScanResult read = ScanFile(path, map: false, out string readKeys);
                    DumpScanResult mapped = ScanFile(path, map: true, out string mappedKeys);
                    Assert.Equal(Describe(read), Describe(mapped));
                    Assert.Equal(readKeys, mappedKeys);
                    Assert.NotEmpty(mapped.Findings);
                    File.Delete(path);
                },
                iter: 24,
                threads: 1);
    }

    [Fact]
    public void A_view_gives_the_files_bytes_and_outlives_its_source()
    {
        using var folder = new TempFolder();
        byte[] bytes = TestData.Pattern(3 * 4096 + 100, 7);
        string path = folder.Write("view.bin", bytes);
        var view = new FileView();
        FileSource source = FileSource.Open(path, map: true);
        Assert.True(source.TryView(4000, 5000, view, out ReadOnlySpan<byte> span));
        Assert.True(span.SequenceEqual(bytes.AsSpan(4000, 5000)));

        // The source goes; the view still holds the mapping, so the bytes it gave stay readable until it lets go.
        source.Dispose();
        Assert.True(span.SequenceEqual(bytes.AsSpan(4000, 5000)));
        view.Release();

        using FileSource unmapped = FileSource.Open(path);
        Assert.False(unmapped.TryView(0, 100, view, out _));
        view.Release();
    }

    [Fact]
    public void A_file_that_shrank_under_a_mapped_scan_is_a_read_problem_as_with_pread_not_SIGBUS()
    {
        using var folder = new TempFolder();
        byte[] image = TestData.Pattern(3 * Window, 11);
        AuditDefectTests.Blob(2, 32, 12).CopyTo(image, 0x1000);
        AuditDefectTests.Blob(1, 64, 13).CopyTo(image, (2 * Window) + 0x2000);
        string[] results = new string[2];
        foreach (bool map in new[] { false, true })
        {
            string path = folder.Write($"shrinking-{map}.bin", image);
            Assert.True(DumpReader.TryOpen(path, new DumpOpenOptions { MapFile = map }, out PhysicalMemory? memory, out DumpProblem problem), problem.ToString());
            using (memory)
            {
                // Someone truncates the dump between its open and its scan: the pages past the new end are gone, and a
                // mapped read of them would raise SIGBUS where MADV_POPULATE_READ answers EFAULT.
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    stream.SetLength(Window + (Window / 2));
                }

                using var keys = new KeySet();
                DumpScanResult result = DumpScanner.ScanEveryForm(memory!, keys, new DumpScanOptions { MaxDegreeOfParallelism = 1 });
                Assert.True(result.ProblemCount > 0);
                Assert.All(result.Problems, p => Assert.Equal(DumpError.IoError, p.Error));
                Assert.Contains(result.Findings, f => f.Kind == FindingKind.Blob && f.FileOffset == 0x1000);
                results[map ? 1 : 0] = Describe(result);
            }
        }

        Assert.Equal(results[0], results[1]);
    }
}
