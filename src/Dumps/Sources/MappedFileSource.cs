using System.IO.MemoryMappedFiles;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>An uncompressed dump file mapped read-only into memory: reads are views, not copies.</summary>
internal sealed unsafe class MappedFileSource : DumpSource
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;
    private readonly long _length;

    private MappedFileSource(MemoryMappedFile file, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _view = view;
        _length = length;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _pointer = pointer + _view.PointerOffset;
    }

    public override long Length => _length;

    /// <summary>Maps <paramref name="path"/>; an empty file becomes an empty in-memory source (an empty file cannot be mapped).</summary>
    public static DumpSource Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        long length = stream.Length;
        if (length == 0)
        {
            return new MemorySource(ReadOnlyMemory<byte>.Empty);
        }

        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedFileSource(file, view, length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public override bool TryRead(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            return false;
        }

        new ReadOnlySpan<byte>(_pointer + offset, destination.Length).CopyTo(destination);
        return true;
    }

    public override bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
    {
        if (length < 0 || !Contains(offset, length))
        {
            span = default;
            return false;
        }

        span = new ReadOnlySpan<byte>(_pointer + offset, length);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
