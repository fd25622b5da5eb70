namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// One scan worker's hold on a <see cref="FileMapping"/>: the bytes of the window it is scanning, the page cache's own,
/// with no copy into the process. The window's pages are read in before they are given out, so that a read error or a
/// file already shorter is a failed view (the caller then reads the window with <c>pread</c>, which reports it), not
/// SIGBUS. The hold lasts until the worker views the next window or is released, so a source disposed meanwhile leaves
/// the bytes readable.
/// </summary>
internal sealed unsafe class FileView
{
    private FileMapping? _held;

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/> of <paramref name="mapping"/>'s file, read in; false when they cannot be.</summary>
    public bool TryView(FileMapping mapping, long offset, int length, out ReadOnlySpan<byte> span)
    {
        span = default;
        if (_held != mapping)
        {
            Release();
            bool added = false;
            try
            {
                mapping.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            _held = mapping;
        }

        if (!mapping.TryReadIn(offset, length))
        {
            return false;
        }

        span = new ReadOnlySpan<byte>(mapping.Address + offset, length);
        return true;
    }

    /// <summary>Lets the mapping go: a span this view gave must no longer be used.</summary>
    public void Release()
    {
        _held?.DangerousRelease();
        _held = null;
    }
}
