using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary><see cref="DumpScanOptions.CancellationToken"/>: a scan stops between windows and says so; nothing throws.</summary>
public class ScanCancellationTests
{
    private const int Windows = 6;

    // A blob in the first window and one in the last; one thread takes the windows in order.
    private static byte[] Image()
    {
        byte[] image = new byte[Windows * DumpScanner.WindowSize];
        AuditDefectTests.Blob(2, seed: 1).CopyTo(image, 0x1000);
        AuditDefectTests.Blob(2, seed: 2).CopyTo(image, image.Length - DumpScanner.WindowSize + 0x1000);
        return image;
    }

    [Fact]
    public void A_token_cancelled_before_the_scan_scans_nothing_and_says_so()
    {
        using PhysicalMemory memory = TestData.Open(Image());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var options = new DumpScanOptions { CancellationToken = cancelled.Token };

        DumpScanResult scan = DumpScanner.Scan(memory, options);
        using var keys = new KeySet();
        keys.Add("key-file:a"u8, new byte[32]);
        DumpScanResult forms = DumpScanner.SearchForms(memory, keys, [], options);

        Assert.True(scan.Cancelled);
        Assert.Equal(0UL, scan.BytesScanned);
        Assert.Empty(scan.Findings);
        Assert.Equal(0, scan.FindingCount);
        Assert.True(forms.Cancelled);
        Assert.Equal(0UL, forms.BytesScanned);
    }

    [Fact]
    public void A_token_cancelled_from_the_progress_callback_keeps_the_findings_of_the_windows_scanned()
    {
        using PhysicalMemory memory = TestData.Open(Image());
        using var source = new CancellationTokenSource();
        var progress = new CancelOnReport(source, afterReports: 1);

        DumpScanResult result = DumpScanner.Scan(memory, new DumpScanOptions { MaxDegreeOfParallelism = 1, Progress = progress, CancellationToken = source.Token });

        Assert.True(result.Cancelled);
        Assert.Equal((ulong)DumpScanner.WindowSize, result.BytesScanned);
        DumpFinding finding = Assert.Single(result.Findings);
        Assert.Equal(FindingKind.Blob, finding.Kind);
        Assert.Equal(0x1000UL, finding.Position);
    }

    [Fact]
    public void A_token_cancelled_after_the_last_window_leaves_the_result_whole()
    {
        using PhysicalMemory memory = TestData.Open(Image());
        using var source = new CancellationTokenSource();
        var progress = new CancelOnReport(source, afterReports: Windows);

        DumpScanResult result = DumpScanner.Scan(memory, new DumpScanOptions { MaxDegreeOfParallelism = 1, Progress = progress, CancellationToken = source.Token });

        Assert.True(source.IsCancellationRequested);
        Assert.False(result.Cancelled);
        Assert.Equal((ulong)(Windows * DumpScanner.WindowSize), result.BytesScanned);
        Assert.Equal(2, result.Findings.Count);
    }

    [Fact]
    public void A_scan_without_a_token_is_not_cancelled()
    {
        using PhysicalMemory memory = TestData.Open(Image());

        DumpScanResult result = DumpScanner.Scan(memory);

        Assert.False(result.Cancelled);
        Assert.Equal(2, result.Findings.Count);
    }

    [Fact]
    public void A_cancelled_token_stops_the_search_outside_memory_the_leftover_check_and_the_scrub_without_a_problem()
    {
        byte[] image = Image();
        byte[] key = AuditDefectTests.KeyOf(AuditDefectTests.Blob(2, seed: 1), 0);
        using var dir = new TempFolder();
        string path = dir.Write("image.raw", image);
        using PhysicalMemory memory = TestData.Open(image);
        using var keys = new KeySet();
        keys.Add("key-file:a"u8, key);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var output = new MemoryStream();

        IReadOnlyList<DumpFinding> outside = DumpScanner.SearchOutsideMemory(memory, keys, [], cancelled.Token);
        bool checkedWhole = Scrubbing.LeftoverCheck.TryCheck(path, keys, false, out var leftovers, 100, out DumpProblem checkProblem, cancelled.Token);
        bool scrubbed = Scrubbing.DumpScrubber.TryScrub(memory, [], keys, output, out DumpProblem scrubProblem, cancelled.Token);

        Assert.Empty(outside);
        Assert.False(checkedWhole);
        Assert.Empty(leftovers);
        Assert.Equal(DumpError.None, checkProblem.Error);
        Assert.False(scrubbed);
        Assert.Equal(DumpError.None, scrubProblem.Error);
        Assert.Equal(0, output.Length);

        // The same calls without the token find the key's copy and write the copy.
        Assert.True(Scrubbing.LeftoverCheck.TryCheck(path, keys, false, out leftovers, 100, out checkProblem), checkProblem.ToString());
        Assert.NotEmpty(leftovers);
        Assert.True(Scrubbing.DumpScrubber.TryScrub(memory, [], keys, output, out scrubProblem), scrubProblem.ToString());
        Assert.Equal(image.Length, output.Length);
    }

    private sealed class CancelOnReport(CancellationTokenSource source, int afterReports) : IProgress<DumpScanProgress>
    {
        private int _reports;

        public void Report(DumpScanProgress value)
        {
            if (Interlocked.Increment(ref _reports) == afterReports)
            {
                source.Cancel();
            }
        }
    }
}
