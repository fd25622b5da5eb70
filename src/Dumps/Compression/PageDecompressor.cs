namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Decompresses kdump pages of one method (makedumpfile's page_desc.flags) into a buffer of exactly one page; the output
/// never exceeds that buffer, so a page that would inflate past a page is refused, not followed. One instance serves
/// one thread at a time and may keep state between pages (zlib's inflate state, zstd's context): that state can hold a
/// page's bytes, so it is zeroed when it is freed.
/// </summary>
internal abstract class PageDecompressor : IDisposable
{
    /// <summary>Decompresses <paramref name="source"/>, which must be exactly one complete compressed page, into <paramref name="page"/>.</summary>
    public abstract DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page);

    /// <summary>
    /// The decompressor this process uses for <paramref name="method"/>: for snappy the managed one (faster than
    /// libsnappy 1.1.9, bench/README.md); otherwise the system library where it is bound (for zlib, libdeflate, else
    /// libz), else the managed one (liblzo2 has none: LZO pages then read as <see cref="DumpError.LzoUnavailable"/>).
    /// </summary>
    public static PageDecompressor Create(DumpCompression method) =>
        method == DumpCompression.Snappy ? CreateManaged(method) : CreateNative(method) ?? CreateManaged(method);

    /// <summary>Through the system library; null when it is not bound (tests and benchmarks compare the two).</summary>
    internal static PageDecompressor? CreateNative(DumpCompression method) => method switch
    {
        DumpCompression.Zlib => (PageDecompressor?)LibdeflateDecompressor.TryCreate() ?? LibzDecompressor.TryCreate(),
        DumpCompression.Lzo => Liblzo2Decompressor.TryCreate(),
        DumpCompression.Snappy => LibsnappyDecompressor.TryCreate(),
        DumpCompression.Zstd => LibzstdDecompressor.TryCreate(),
        _ => null,
    };

    /// <summary>The managed decompressor: snappy's always, the others' where the system library is missing.</summary>
    internal static PageDecompressor CreateManaged(DumpCompression method) => method switch
    {
        DumpCompression.Zlib => new ZLibStreamDecompressor(),
        DumpCompression.Snappy => new SnappyDecompressor(),
        DumpCompression.Zstd => new ZstdSharpDecompressor(),
        DumpCompression.Lzo => new RefusingDecompressor(DumpError.LzoUnavailable),
        _ => new RefusingDecompressor(DumpError.KdumpUnknownCompression),
    };

    /// <summary>Whether the state kept between pages holds <paramref name="bytes"/> (tests look for a page's key in it).</summary>
    internal virtual bool StateContains(ReadOnlySpan<byte> bytes) => false;

    /// <summary>Zeroes the state kept between pages without freeing it; the decompressor is not used again (tests).</summary>
    internal virtual void ClearState()
    {
    }

    /// <summary>Frees the state kept between pages, zeroed first.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees native state; called from a finalizer too (<paramref name="disposing"/> false).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
