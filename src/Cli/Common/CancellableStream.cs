namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// A stream over another that throws <see cref="OperationCanceledException"/> on the first read, write or seek after
/// <paramref name="token"/> is cancelled, so a writer that knows nothing of cancellation (the scrubber's copy loop) stops
/// at its next chunk. Disposing it leaves the inner stream open.
/// </summary>
internal sealed class CancellableStream(Stream inner, CancellationToken token) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set
        {
            token.ThrowIfCancellationRequested();
            inner.Position = value;
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        token.ThrowIfCancellationRequested();
        return inner.Read(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        token.ThrowIfCancellationRequested();
        return inner.Seek(offset, origin);
    }

    public override void SetLength(long value)
    {
        token.ThrowIfCancellationRequested();
        inner.SetLength(value);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        token.ThrowIfCancellationRequested();
        inner.Write(buffer);
    }
}
