using System.Diagnostics;
using System.Globalization;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// One status line on stderr (bytes done, rate, findings so far), redrawn at most every quarter second, and only when
/// stderr is the process's own terminal: nothing when it is redirected or captured.
/// </summary>
internal sealed class ScanProgress : IProgress<DumpScanProgress>, IDisposable
{
    private readonly TextWriter _error;
    private readonly string _file;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDraw = long.MinValue;
    private bool _drawn;

    private ScanProgress(TextWriter error, string file)
    {
        _error = error;
        _file = file;
    }

    /// <summary>A reporter when <paramref name="error"/> is the console's stderr and that is a terminal; otherwise null.</summary>
    public static ScanProgress? ForTerminal(TextWriter error, string file) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? new ScanProgress(error, file) : null;

    public void Report(DumpScanProgress value)
    {
        lock (_gate)
        {
            long now = _clock.ElapsedMilliseconds;
            if (now - _lastDraw < 250 && value.BytesDone != value.BytesTotal)
            {
                return;
            }

            _lastDraw = now;
            double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            double rate = value.BytesDone / seconds / (1 << 20);
            _error.Write(string.Create(
                CultureInfo.InvariantCulture,
                $"\r{_file}: {value.BytesDone >> 20}/{value.BytesTotal >> 20} MiB, {rate:F0} MiB/s, {value.Findings} finding(s)   "));
            _drawn = true;
        }
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _error.WriteLine();
        }
    }
}
