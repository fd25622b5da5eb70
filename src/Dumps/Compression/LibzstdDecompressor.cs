using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zstd pages (makedumpfile's <c>ZSTD_compress</c>) through the system's libzstd.so.1 (Debian libzstd1, priority
/// required: on every Debian system), with one decompression context for every page. The context keeps the last
/// page's literals, which can be key bytes: it is made with <c>ZSTD_createDCtx_advanced</c> on a
/// <see cref="ZeroingHeap"/>, which zeroes it when it is freed.
/// </summary>
internal sealed unsafe class LibzstdDecompressor : PageDecompressor
{
    private static readonly nint[]? Bound = Bind();

    private readonly ZeroingHeap _heap;
    private void* _context;

    private LibzstdDecompressor(ZeroingHeap heap, void* context)
    {
        _heap = heap;
        _context = context;
    }

    ~LibzstdDecompressor() => Dispose(false);

    /// <summary>Whether libzstd.so.1 is bound.</summary>
    public static bool IsAvailable => Bound is not null;

    private static delegate* unmanaged<CustomMem, void*> CreateAdvanced => (delegate* unmanaged<CustomMem, void*>)Bound![0];

    private static delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint> DecompressContext =>
        (delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint>)Bound![1];

    private static delegate* unmanaged<nuint, uint> IsError => (delegate* unmanaged<nuint, uint>)Bound![2];

    private static delegate* unmanaged<byte*, nuint, nuint> FrameSize => (delegate* unmanaged<byte*, nuint, nuint>)Bound![3];

    /// <summary>A decompressor with its own context; null when libzstd.so.1 is not bound or the context cannot be made.</summary>
    public static LibzstdDecompressor? TryCreate()
    {
        if (Bound is null)
        {
            return null;
        }

        var heap = new ZeroingHeap();
        void* context = CreateAdvanced(new CustomMem { Alloc = ZeroingHeap.ZstdAlloc, Free = ZeroingHeap.ZstdFree, Opaque = heap.Opaque });
        if (context == null)
        {
            heap.Dispose();
            return null;
        }

        return new LibzstdDecompressor(heap, context);
    }

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        ObjectDisposedException.ThrowIf(_context == null, this);
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            // A page is exactly one frame: libzstd 1.5.4 ignores up to 4 bytes after the last one, and takes a second frame.
            if (FrameSize(input, (nuint)source.Length) != (nuint)source.Length)
            {
                return DumpError.DecompressionFailed;
            }

            nuint result = DecompressContext(_context, output, (nuint)page.Length, input, (nuint)source.Length);
            return IsError(result) != 0 ? DumpError.DecompressionFailed
                : result == (nuint)page.Length ? DumpError.None
                : DumpError.DecompressionSizeMismatch;
        }
    }

    internal override bool StateContains(ReadOnlySpan<byte> bytes) => _heap.Contains(bytes);

    internal override void ClearState() => _heap.Clear();

    protected override void Dispose(bool disposing)
    {
        if (_context != null)
        {
            // Every block zstd allocated, the context itself included, is in the heap, and freeing them is all
            // ZSTD_freeDCtx does: the heap zeroes and frees them, whatever state they are in (ClearState zeroes the
            // context's own allocator, which ZSTD_freeDCtx would then read).
            _heap.Dispose();
            _context = null;
        }

        base.Dispose(disposing);
    }

    private static nint[]? Bind()
    {
        nint[] exports = new nint[4];
        return NativeCodecLibrary.TryBind(
            "libzstd.so.1", "libzstd", ["ZSTD_createDCtx_advanced", "ZSTD_decompressDCtx", "ZSTD_isError", "ZSTD_findFrameCompressedSize"], exports)
            ? exports
            : null;
    }

    // ZSTD_customMem (zstd.h, static-linking section, exported by libzstd.so.1 since 1.0): passed by value.
    [StructLayout(LayoutKind.Sequential)]
    private struct CustomMem
    {
        public delegate* unmanaged<void*, nuint, void*> Alloc;
        public delegate* unmanaged<void*, void*, void> Free;
        public void* Opaque;
    }
}
