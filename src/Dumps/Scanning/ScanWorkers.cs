using System.Collections.Concurrent;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>
/// The workers of one scan. A parallel loop's task replicas come and go (<see cref="Parallel"/> ends a replica after a
/// time slice and starts another, each with its own local state), so each replica rents a worker here and returns it:
/// the window buffer is made, page-faulted in and zeroed once per thread that ran at once, not once per replica.
/// Disposing zeroes every buffer.
/// </summary>
internal sealed class ScanWorkers : IDisposable
{
    private readonly ConcurrentBag<DumpScanner.Worker> _idle = [];

    public DumpScanner.Worker Rent() => _idle.TryTake(out DumpScanner.Worker? worker) ? worker : new DumpScanner.Worker();

    public void Return(DumpScanner.Worker worker) => _idle.Add(worker);

    public void Dispose()
    {
        while (_idle.TryTake(out DumpScanner.Worker? worker))
        {
            worker.Release();
        }
    }
}
