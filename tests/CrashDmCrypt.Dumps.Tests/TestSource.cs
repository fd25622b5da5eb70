using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// A file held in memory for tests of what reads it: counts the reads and the bytes they ask for (from any thread), and
/// fails every read while <see cref="Fail"/> is set, or each read that touches the byte at <see cref="FailAt"/>.
/// </summary>
internal sealed class TestSource(byte[] bytes) : DumpSource
{
    private int _reads;
    private long _bytesRead;

    public int Reads => Volatile.Read(ref _reads);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public bool Fail { get; set; }

    public long FailAt { get; set; } = -1;

    public override long Length => bytes.Length;

    public override bool TryRead(long offset, Span<byte> destination)
    {
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _bytesRead, destination.Length);
        if (Fail || !Contains(offset, destination.Length) || (FailAt >= offset && FailAt - offset < destination.Length))
        {
            return false;
        }

        bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
        return true;
    }
}
