namespace CrashDmCrypt.Dumps.Sources;

/// <summary>The bytes of a dump file, read by offset. Reads outside <see cref="Length"/> fail; they never throw.</summary>
internal abstract class DumpSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>
    /// Bytes the file itself holds: <see cref="Length"/>, but for a flattened file only what its records carry (the rest
    /// of <see cref="Length"/> is holes that read as zero). A structure read into memory must fit in it, so that memory
    /// stays in proportion to the file.
    /// </summary>
    public virtual long StoredLength => Length;

    /// <summary>Copies <c>destination.Length</c> bytes from <paramref name="offset"/>; false when any of them lies outside the file.</summary>
    public abstract bool TryRead(long offset, Span<byte> destination);

    /// <summary>A view of the bytes without a copy, where the source can give one; false otherwise (the caller then copies).</summary>
    public virtual bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
    {
        span = default;
        return false;
    }

    /// <summary>
    /// A view of the bytes without a copy for one scan window: <see cref="TryGetSpan"/>, or the bytes mapped into
    /// <paramref name="view"/> (valid until it maps the next window) where the source maps its file.
    /// </summary>
    public virtual bool TryView(long offset, int length, FileView view, out ReadOnlySpan<byte> span) => TryGetSpan(offset, length, out span);

    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public bool Contains(ulong offset, ulong length) =>
        offset <= (ulong)Length && length <= (ulong)Length - offset;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
