using System.Buffers;
using System.Security.Cryptography;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over pinned arrays, zeroised when it grows and when it is
/// disposed, for output that may contain key material (JSON with <c>keyHex</c>).
/// </summary>
internal sealed class PinnedBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    /// <summary>Starts with <paramref name="capacity"/> bytes.</summary>
    public PinnedBufferWriter(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _buffer = GC.AllocateArray<byte>(capacity, pinned: true);
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <inheritdoc/>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Clears every byte.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _written = 0;
    }

    private void Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        byte[] next = GC.AllocateArray<byte>(Math.Max(checked(_buffer.Length * 2), checked(_written + needed)), pinned: true);
        _buffer.AsSpan(0, _written).CopyTo(next);
        CryptographicOperations.ZeroMemory(_buffer);
        _buffer = next;
    }
}
