using System.Runtime.InteropServices;
using ZstdSharp.Unsafe;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zstd pages where libzstd.so.1 is not bound, through ZstdSharp's port of zstd's own functions, with one decompression
/// context for every page. The context keeps the last page's literals (<c>litExtraBuffer</c>, inside the context),
/// which can be key bytes, and zstd frees it without clearing: it is cleared here before it is freed. ZstdSharp's
/// <c>Decompressor</c> hides its context, so the context is made and freed through <see cref="Methods"/>.
/// </summary>
internal sealed unsafe class ZstdSharpDecompressor : PageDecompressor
{
    private ZSTD_DCtx_s* _context = Methods.ZSTD_createDCtx();

    ~ZstdSharpDecompressor() => Dispose(false);

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        ObjectDisposedException.ThrowIf(_context == null, this);
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            // A page is exactly one frame, as LibzstdDecompressor reads it.
            if (Methods.ZSTD_findFrameCompressedSize(input, (nuint)source.Length) != (nuint)source.Length)
            {
                return DumpError.DecompressionFailed;
            }

            nuint result = Methods.ZSTD_decompressDCtx(_context, output, (nuint)page.Length, input, (nuint)source.Length);
            return Methods.ZSTD_isError(result) ? DumpError.DecompressionFailed
                : result == (nuint)page.Length ? DumpError.None
                : DumpError.DecompressionSizeMismatch;
        }
    }

    internal override bool StateContains(ReadOnlySpan<byte> bytes) =>
        _context != null && new ReadOnlySpan<byte>(_context, sizeof(ZSTD_DCtx_s)).IndexOf(bytes) >= 0;

    // The whole struct, pointers included: zeroed pointers are what ZSTD_freeDCtx takes as nothing more to free
    // (a page decode never makes a dictionary or a stream buffer), and it then frees the struct itself.
    internal override void ClearState()
    {
        if (_context != null)
        {
            NativeMemory.Clear(_context, (nuint)sizeof(ZSTD_DCtx_s));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_context != null)
        {
            ClearState();
            Methods.ZSTD_freeDCtx(_context);
            _context = null;
        }

        base.Dispose(disposing);
    }
}
