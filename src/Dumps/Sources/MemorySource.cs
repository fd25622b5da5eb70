namespace CrashDmCrypt.Dumps.Sources;

/// <summary>A dump held in memory (tests, fuzzing, small files).</summary>
internal sealed class MemorySource(ReadOnlyMemory<byte> bytes) : DumpSource
{
    public override long Length => bytes.Length;

    public override bool TryRead(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            return false;
        }

        bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
        return true;
    }

    public override bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
    {
        if (!Contains(offset, length))
        {
            span = default;
            return false;
        }

        span = bytes.Span.Slice((int)offset, length);
        return true;
    }
}
