using System.Runtime.InteropServices;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM during a long command. The first one cancels <see cref="Token"/> and is absorbed, so the
/// command stops at its next check and reports what it has; a second one takes the signal's default action and the
/// process ends (<see cref="AtomicFile"/>'s own handler still deletes a temporary file first).
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly ManualResetEventSlim _signalled = new();
    private int _received;

    private Interruption()
    {
        if (!OperatingSystem.IsWindows())
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        }
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether a signal arrived.</summary>
    public bool Interrupted => Volatile.Read(ref _received) != 0;

    /// <summary>The signal's name, <c>SIGINT</c> or <c>SIGTERM</c>; null before one arrived.</summary>
    public string? SignalName => Volatile.Read(ref _received) switch
    {
        0 => null,
        (int)PosixSignal.SIGTERM => "SIGTERM",
        _ => "SIGINT",
    };

    /// <summary>
    /// The exit code of an interrupted command: 128 plus the signal's number, as a shell reports a process the signal
    /// ended (130 for SIGINT, 143 for SIGTERM), so a script sees the same code whether the tool stopped itself or not.
    /// </summary>
    public int ExitCode => Volatile.Read(ref _received) == (int)PosixSignal.SIGTERM ? Program.ExitTerminated : Program.ExitInterrupted;

    /// <summary>
    /// Waits until the first signal is recorded, at most <paramref name="timeout"/>: for a caller that learnt of a signal
    /// from another handler of it (<see cref="AtomicFile"/>'s), which may have run first.
    /// </summary>
    public bool WaitForSignal(TimeSpan timeout) => Interrupted || _signalled.Wait(timeout);

    /// <summary>Starts listening; dispose to restore the signals' default actions.</summary>
    public static Interruption Listen() => new();

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
        _signalled.Dispose();
    }

    // Runs on a thread of its own. PosixSignal values are negative, so 0 means none yet.
    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref _received, (int)context.Signal, 0) == 0)
        {
            context.Cancel = true;
            try
            {
                _source.Cancel();
                _signalled.Set();
            }
            catch (ObjectDisposedException)
            {
                // The command has ended already: nothing is left to stop.
            }
        }
    }
}
