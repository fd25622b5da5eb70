namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A stretch of a file read ahead of a reader that moves forward through it in small reads (a kdump page's descriptor, then
/// its data): a read that misses the stretch but lies near the last read or the stretch's end refills it from there, so
/// that pages read one by one cost one <c>pread(2)</c> a stretch rather than two each (on a virtual machine a system call
/// costs about as much as decompressing a small page). A read far from the stretch goes to a second buffer that keeps
/// the last such read, so that a reader that keeps jumping to the same bytes (the one zero page every zero page names)
/// and coming back loses neither. Both hold file bytes, keys among them: <see cref="Clear"/> zeroes them.
/// </summary>
internal sealed class ReadAhead(int capacity)
{
    private readonly Stretch _ahead = new();
    private readonly Stretch _far = new();
    private long _next = -1;   // just past the last read; -1 before the first

    /// <summary>
    /// The <paramref name="length"/> bytes at <paramref name="offset"/>, from a buffer (refilled when they are not in it);
    /// false when they lie outside the file or do not read, or are longer than the stretch: the caller's own read then
    /// names the problem.
    /// </summary>
    public bool TryRead(DumpSource source, long offset, int length, out ReadOnlySpan<byte> bytes)
    {
        long last = _next;
        _next = offset + length;
        if (_ahead.TryGet(offset, length, out bytes) || _far.TryGet(offset, length, out bytes))
        {
            return true;
        }

        if (length > capacity || !source.Contains(offset, length))
        {
            return false;
        }

        bool near = last < 0 || Near(offset, last) || (!_ahead.IsEmpty && Near(offset, _ahead.End));
        return near
            ? _ahead.TryFill(source, offset, (int)Math.Min(capacity, source.Length - offset)) && _ahead.TryGet(offset, length, out bytes)
            : _far.TryFill(source, offset, length) && _far.TryGet(offset, length, out bytes);
    }

    /// <summary>Zeroes the buffers and forgets what they held.</summary>
    public void Clear()
    {
        _ahead.Clear();
        _far.Clear();
        _next = -1;
    }

    private bool Near(long offset, long mark) => offset > mark - capacity && offset - mark < capacity;
}
