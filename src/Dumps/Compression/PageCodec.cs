using ZstdSharp;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Decompresses one kdump page (makedumpfile's page_desc.flags say which method) into a buffer of exactly one page.
/// The output can never exceed that buffer, so a page that would inflate past a page is refused, not followed.
/// </summary>
internal static unsafe class PageCodec
{
    [ThreadStatic]
    private static Decompressor? t_zstd;

    public static DumpError Decompress(DumpCompression method, ReadOnlySpan<byte> source, Span<byte> page) => method switch
    {
        DumpCompression.Zlib => Zlib.Decompress(source, page),
        DumpCompression.Lzo => Lzo.Decompress(source, page),
        DumpCompression.Snappy => SnappyPage.Decompress(source, page),
        DumpCompression.Zstd => Zstd(source, page),
        _ => DumpError.KdumpUnknownCompression,
    };

    /// <summary>Frees the decompression state this thread keeps between pages (zlib's window is zeroed first).</summary>
    public static void ReleaseThreadState()
    {
        Zlib.ReleaseThreadState();
        t_zstd?.Dispose();
        t_zstd = null;
    }

    private static DumpError Zstd(ReadOnlySpan<byte> source, Span<byte> page)
    {
        t_zstd ??= new Decompressor();
        try
        {
            return t_zstd.Unwrap(source, page) == page.Length ? DumpError.None : DumpError.DecompressionSizeMismatch;
        }
        catch (Exception e) when (e is ZstdException or ArgumentException or InvalidOperationException)
        {
            return DumpError.DecompressionFailed;
        }
    }
}
