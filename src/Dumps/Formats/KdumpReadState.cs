using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// What reading kdump pages keeps between pages: the decompressors, and the descriptors and page data read ahead. A
/// <see cref="KdumpMemory"/> lends one to each read (one thread at a time) and takes it back; disposing the reader
/// zeroes and frees every one it made.
/// </summary>
internal sealed class KdumpReadState : IDisposable
{
    // Descriptors are 24 bytes: 16 KiB is about 680 pages ahead. Page data is at most a page each: 256 KiB is at least 64
    // pages of 4 KiB, about two hundred compressed.
    private const int DescriptorsAhead = 16 << 10;
    private const int DataAhead = 256 << 10;

    // A reader that was never disposed still leaves no page data behind: the read-ahead buffers are zeroed when this is
    // collected (the decompressors have finalizers of their own).
    ~KdumpReadState()
    {
        Descriptors.Clear();
        Data.Clear();
    }

    /// <summary>The managed thread that took this state last.</summary>
    public int Thread { get; set; }

    public PageDecompressors Decompressors { get; } = new();

    public ReadAhead Descriptors { get; } = new(DescriptorsAhead);

    public ReadAhead Data { get; } = new(DataAhead);

    public void Dispose()
    {
        Decompressors.Dispose();
        Descriptors.Clear();
        Data.Clear();
        GC.SuppressFinalize(this);
    }
}
