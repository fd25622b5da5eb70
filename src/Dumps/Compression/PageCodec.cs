namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Decompresses one kdump page (makedumpfile's page_desc.flags say which method) into a buffer of exactly one page.
/// The output can never exceed that buffer, so a page that would inflate past a page is refused, not followed.
/// </summary>
internal static unsafe class PageCodec
{
    public static DumpError Decompress(DumpCompression method, ReadOnlySpan<byte> source, Span<byte> page) => method switch
    {
        DumpCompression.Zlib => Zlib.Decompress(source, page),
        DumpCompression.Lzo => Lzo.Decompress(source, page),
        DumpCompression.Snappy => SnappyPage.Decompress(source, page),
        DumpCompression.Zstd => ZstdPage.Decompress(source, page),
        _ => DumpError.KdumpUnknownCompression,
    };

    /// <summary>Frees the decompression state this thread keeps between pages, each cleared first (zlib's window, zstd's context): they hold the last page's bytes.</summary>
    public static void ReleaseThreadState()
    {
        Zlib.ReleaseThreadState();
        ZstdPage.ReleaseThreadState();
    }
}
