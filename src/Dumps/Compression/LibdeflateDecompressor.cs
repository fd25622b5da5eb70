using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zlib pages through libdeflate.so.0 (Debian libdeflate0, which libtiff and others pull in), which decodes a whole
/// stream from one buffer into another at about twice libz's speed and checks the Adler-32 trailer. Its state
/// (<c>struct libdeflate_decompressor</c>, lib/deflate_decompress.c) holds only code lengths and decode tables, never
/// page bytes: it decodes straight into the page. It is zeroed before it is freed all the same, over the whole block
/// <c>malloc</c> gave (libdeflate_alloc_decompressor allocates it with plain malloc unless a program sets its own).
/// </summary>
internal sealed unsafe class LibdeflateDecompressor : PageDecompressor
{
    // enum libdeflate_result (libdeflate.h).
    private const int Success = 0;
    private const int InsufficientSpace = 3;

    private static readonly nint[]? Bound = Bind();

    private void* _state;

    private LibdeflateDecompressor(void* state) => _state = state;

    ~LibdeflateDecompressor() => Dispose(false);

    /// <summary>Whether libdeflate.so.0 is bound.</summary>
    public static bool IsAvailable => Bound is not null;

    private static delegate* unmanaged<void*> Alloc => (delegate* unmanaged<void*>)Bound![0];

    // libdeflate_zlib_decompress_ex(d, in, in_nbytes, out, out_nbytes_avail, actual_in_nbytes_ret, actual_out_nbytes_ret)
    private static delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint*, nuint*, int> ZlibDecompress =>
        (delegate* unmanaged<void*, byte*, nuint, byte*, nuint, nuint*, nuint*, int>)Bound![1];

    private static delegate* unmanaged<void*, void> Free => (delegate* unmanaged<void*, void>)Bound![2];

    /// <summary>A decompressor; null when libdeflate.so.0 is not bound or its state cannot be made.</summary>
    public static LibdeflateDecompressor? TryCreate()
    {
        if (Bound is null)
        {
            return null;
        }

        void* state = Alloc();
        return state == null ? null : new LibdeflateDecompressor(state);
    }

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        ObjectDisposedException.ThrowIf(_state == null, this);

        // No input decodes to no bytes: a size mismatch, as libz and ZLibStream report it.
        if (source.IsEmpty)
        {
            return DumpError.DecompressionSizeMismatch;
        }

        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            nuint read;
            nuint written;
            int result = ZlibDecompress(_state, input, (nuint)source.Length, output, (nuint)page.Length, &read, &written);
            return result switch
            {
                // A page is exactly one complete stream: one that ends early is too short, bytes after its end do not decode.
                Success when written != (nuint)page.Length => DumpError.DecompressionSizeMismatch,
                Success => read == (nuint)source.Length ? DumpError.None : DumpError.DecompressionFailed,

                // The stream goes on past the page: never followed, libdeflate stops at the page's end.
                InsufficientSpace => DumpError.DecompressionSizeMismatch,
                _ => DumpError.DecompressionFailed,
            };
        }
    }

    internal override bool StateContains(ReadOnlySpan<byte> bytes) =>
        _state != null && new ReadOnlySpan<byte>(_state, checked((int)Interop.Libc.MallocUsableSize(_state))).IndexOf(bytes) >= 0;

    internal override void ClearState() => NativeMemory.Clear(_state, Interop.Libc.MallocUsableSize(_state));

    protected override void Dispose(bool disposing)
    {
        if (_state != null)
        {
            ClearState();
            Free(_state);
            _state = null;
        }

        base.Dispose(disposing);
    }

    private static nint[]? Bind()
    {
        nint[] exports = new nint[3];
        return NativeCodecLibrary.TryBind(
            "libdeflate.so.0", "libdeflate", ["libdeflate_alloc_decompressor", "libdeflate_zlib_decompress_ex", "libdeflate_free_decompressor"], exports)
            ? exports : null;
    }
}
