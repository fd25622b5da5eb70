using System.Diagnostics;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// One status line on stderr (bytes done of the total, rate, time left, findings so far), redrawn at most every quarter
/// second, and only when stderr is the process's own terminal: nothing when it is redirected or captured.
/// </summary>
internal sealed class ScanProgress : IProgress<DumpScanProgress>, IDisposable
{
    private const long RedrawMilliseconds = 250;

    private readonly TextWriter _error;
    private readonly string _file;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    // Far enough back that the first report draws (long.MinValue would overflow the subtraction and hide every line).
    private long _lastDraw = -RedrawMilliseconds;
    private bool _drawn;

    private ScanProgress(TextWriter error, string file)
    {
        _error = error;
        _file = CliText.Quote(file);
    }

    /// <summary>A reporter when <paramref name="error"/> is the console's stderr and that is a terminal; otherwise null.</summary>
    public static ScanProgress? ForTerminal(TextWriter error, string file) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? new ScanProgress(error, file) : null;

    public void Report(DumpScanProgress value)
    {
        lock (_gate)
        {
            long now = _clock.ElapsedMilliseconds;
            if (now - _lastDraw < RedrawMilliseconds && value.BytesDone != value.BytesTotal)
            {
                return;
            }

            _lastDraw = now;
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            double rate = value.BytesDone / seconds;
            string left = rate < 1 ? "--:--" : Duration((value.BytesTotal - value.BytesDone) / rate);
            _error.Write(string.Create(
                CultureInfo.InvariantCulture,
                $"\r{_file}: {value.BytesDone >> 20}/{value.BytesTotal >> 20} MiB, {rate / (1 << 20):F0} MiB/s, {left} left, {value.Findings} finding(s)   "));
            _drawn = true;
        }
    }

    // m:ss, or h:mm:ss from an hour on.
    internal static string Duration(double seconds)
    {
        var time = TimeSpan.FromSeconds(Math.Min(Math.Ceiling(seconds), TimeSpan.MaxValue.TotalSeconds / 2));
        return time.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}:{time.Seconds:00}");
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _error.WriteLine();
        }
    }
}
