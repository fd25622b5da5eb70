using System.IO.Compression;
using Snappier;
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
        DumpCompression.Zlib => Zlib(source, page),
        DumpCompression.Lzo => Lzo.Decompress(source, page),
        DumpCompression.Snappy => SnappyPage(source, page),
        DumpCompression.Zstd => Zstd(source, page),
        _ => DumpError.KdumpUnknownCompression,
    };

    private static DumpError Zlib(ReadOnlySpan<byte> source, Span<byte> page)
    {
        fixed (byte* pointer = source)
        {
            try
            {
                using var input = new UnmanagedMemoryStream(pointer, source.Length);
                using var zlib = new ZLibStream(input, CompressionMode.Decompress);
                int read = zlib.ReadAtLeast(page, page.Length, throwOnEndOfStream: false);
                if (read != page.Length)
                {
                    return DumpError.DecompressionSizeMismatch;
                }

                Span<byte> more = stackalloc byte[1];
                return zlib.Read(more) == 0 ? DumpError.None : DumpError.DecompressionSizeMismatch;
            }
            catch (InvalidDataException)
            {
                return DumpError.DecompressionFailed;
            }
        }
    }

    private static DumpError SnappyPage(ReadOnlySpan<byte> source, Span<byte> page)
    {
        try
        {
            if (Snappy.GetUncompressedLength(source) != page.Length)
            {
                return DumpError.DecompressionSizeMismatch;
            }

            return Snappy.Decompress(source, page) == page.Length ? DumpError.None : DumpError.DecompressionSizeMismatch;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return DumpError.DecompressionFailed;
        }
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
