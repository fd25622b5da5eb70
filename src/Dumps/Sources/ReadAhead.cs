using System.Security.Cryptography;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A stretch of a file read ahead of a reader that moves forward through it in small reads (a kdump page's descriptor, then
/// its data): a read that misses the stretch but lies near the last read or the stretch's end refills it from there, so that pages read one by
/// one cost one <c>pread(2)</c> a stretch rather than two each (on a virtual machine a system call costs about as much as
/// decompressing a small page). A read far from the stretch goes to a second buffer that keeps the last such read, so
/// that a reader that keeps jumping to the same bytes (the one zero page every zero page names) and coming back loses
/// neither. Both buffers are pinned and may hold page data, keys among them: <see cref="Clear"/> zeroes them.
/// </summary>
internal sealed class ReadAhead(int capacity)
{
    private byte[]? _buffer;
    private long _start;
    private int _length;
    private long _next = -1;   // just past the last read; -1 before the first

    private byte[]? _far;
    private long _farStart;
    private int _farLength;

    /// <summary>
    /// The <paramref name="length"/> bytes at <paramref name="offset"/>, from a buffer (refilled when they are not in it);
    /// false when they lie outside the file or do not read, or are longer than the stretch: the caller's own read then
    /// names the problem.
    /// </summary>
    public bool TryRead(DumpSource source, long offset, int length, out ReadOnlySpan<byte> bytes)
    {
        long last = _next;
        _next = offset + length;
        if (Holds(_start, _length, offset, length))
        {
            bytes = _buffer.AsSpan((int)(offset - _start), length);
            return true;
        }

        if (Holds(_farStart, _farLength, offset, length))
        {
            bytes = _far.AsSpan((int)(offset - _farStart), length);
            return true;
        }

        bytes = default;
        if (length > capacity || !source.Contains(offset, length))
        {
            return false;
        }

        if (last < 0 || Near(offset, last) || (_length > 0 && Near(offset, _start + _length)))
        {
            int fill = (int)Math.Min(capacity, source.Length - offset);
            _buffer ??= GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
            _length = 0;
            if (!source.TryRead(offset, _buffer.AsSpan(0, fill)))
            {
                return false;
            }

            _start = offset;
            _length = fill;
            bytes = _buffer.AsSpan(0, length);
            return true;
        }

        if (_far is null || _far.Length < length)
        {
            CryptographicOperations.ZeroMemory(_far);
            _far = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        }

        _farLength = 0;
        if (!source.TryRead(offset, _far.AsSpan(0, length)))
        {
            return false;
        }

        _farStart = offset;
        _farLength = length;
        bytes = _far.AsSpan(0, length);
        return true;
    }

    /// <summary>Zeroes the buffers and forgets what they held.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        CryptographicOperations.ZeroMemory(_far);
        _length = 0;
        _farLength = 0;
        _next = -1;
    }

    private static bool Holds(long start, int held, long offset, int length) =>
        held > 0 && offset >= start && length <= held && offset - start <= held - length;

    private bool Near(long offset, long mark) => offset > mark - capacity && offset - mark < capacity;
}
