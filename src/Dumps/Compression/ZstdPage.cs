using System.Runtime.InteropServices;
using ZstdSharp.Unsafe;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zstd pages (makedumpfile's <c>ZSTD_compress</c>) through ZstdSharp's port of zstd's own functions, with one
/// decompression context per thread. The context keeps the last page's literals (<c>litExtraBuffer</c>, inside the
/// context), which can be key bytes, and zstd frees it without clearing: it is cleared here before it is freed.
/// ZstdSharp's <c>Decompressor</c> hides its context, so the context is made and freed through <see cref="Methods"/>.
/// </summary>
internal static unsafe class ZstdPage
{
    [ThreadStatic]
    private static Context? t_context;

    public static DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        Context context = t_context ??= new Context();
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            nuint result = Methods.ZSTD_decompressDCtx(context.Pointer, output, (nuint)page.Length, input, (nuint)source.Length);
            return Methods.ZSTD_isError(result) ? DumpError.DecompressionFailed
                : result == (nuint)page.Length ? DumpError.None
                : DumpError.DecompressionSizeMismatch;
        }
    }

    /// <summary>Clears this thread's context and frees it.</summary>
    public static void ReleaseThreadState()
    {
        t_context?.Dispose();
        t_context = null;
    }

    /// <summary>This thread's context as bytes, for tests; empty when there is none.</summary>
    internal static ReadOnlySpan<byte> ThreadContextBytes =>
        t_context is { } context ? new ReadOnlySpan<byte>(context.Pointer, sizeof(ZSTD_DCtx_s)) : default;

    /// <summary>Clears this thread's context without freeing it: the first half of <see cref="ReleaseThreadState"/>, for tests.</summary>
    internal static void ClearThreadState() => t_context?.Clear();

    private sealed class Context : IDisposable
    {
        public Context() => Pointer = Methods.ZSTD_createDCtx();

        ~Context() => Release();

        public ZSTD_DCtx_s* Pointer { get; private set; }

        // The whole struct, pointers included: zeroed pointers are what ZSTD_freeDCtx takes as nothing more to free
        // (a page decode never makes a dictionary or a stream buffer), and it then frees the struct itself.
        public void Clear()
        {
            if (Pointer != null)
            {
                NativeMemory.Clear(Pointer, (nuint)sizeof(ZSTD_DCtx_s));
            }
        }

        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        private void Release()
        {
            if (Pointer != null)
            {
                Clear();
                Methods.ZSTD_freeDCtx(Pointer);
                Pointer = null;
            }
        }
    }
}
