using System.Security.Cryptography;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// Bytes of a file held in a pinned buffer, from one offset on: one of <see cref="ReadAhead"/>'s two. They may be page
/// data, keys among them: <see cref="Clear"/> zeroes them.
/// </summary>
internal sealed class Stretch
{
    private byte[]? _buffer;
    private long _start;
    private int _length;

    /// <summary>Where the bytes held end in the file; meaningful only when <see cref="IsEmpty"/> is false.</summary>
    public long End => _start + _length;

    public bool IsEmpty => _length == 0;

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>, when all of them are held.</summary>
    public bool TryGet(long offset, int length, out ReadOnlySpan<byte> bytes)
    {
        if (_length > 0 && offset >= _start && length <= _length && offset - _start <= _length - length)
        {
            bytes = _buffer.AsSpan((int)(offset - _start), length);
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>Holds <paramref name="length"/> bytes of <paramref name="source"/> from <paramref name="offset"/> instead; false, holding nothing, when they do not read.</summary>
    public bool TryFill(DumpSource source, long offset, int length)
    {
        if (_buffer is null || _buffer.Length < length)
        {
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        }

        _length = 0;
        if (!source.TryRead(offset, _buffer.AsSpan(0, length)))
        {
            return false;
        }

        _start = offset;
        _length = length;
        return true;
    }

    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _length = 0;
    }
}
