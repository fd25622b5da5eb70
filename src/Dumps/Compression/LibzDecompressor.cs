namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zlib pages (makedumpfile's <c>compress2</c>, QEMU's <c>compress2</c>) through the system's libz.so.1 (Debian zlib1g,
/// priority required, the library makedumpfile and libkdumpfile call): one inflate state serves every page
/// (<c>inflateReset</c>) and a page allocates nothing, where System.IO.Compression has no span-based decoder and a
/// <see cref="System.IO.Compression.ZLibStream"/> costs a stream and an inflater per page. The state lives in a
/// <see cref="ZeroingHeap"/>, so the window is zeroed when it is freed.
/// </summary>
internal sealed unsafe class LibzDecompressor : PageDecompressor
{
    private const int Ok = 0;               // Z_OK
    private const int StreamEnd = 1;        // Z_STREAM_END
    private const int BufferError = -5;     // Z_BUF_ERROR: no progress possible (output full, or input ended early)
    private const int Finish = 4;           // Z_FINISH
    private const int WindowBits = 15;      // a zlib header and trailer, up to a 32 KiB window

    // z_stream on LP64 (zlib.h): next_in, avail_in, total_in, next_out, avail_out, total_out, msg, state, zalloc, zfree,
    // opaque, data_type, adler, reserved.
    private const int StreamSize = 112;
    private const int NextIn = 0;
    private const int AvailIn = 8;
    private const int NextOut = 24;
    private const int AvailOut = 32;
    private const int ZAllocField = 64;
    private const int ZFreeField = 72;
    private const int OpaqueField = 80;

    private static readonly nint[]? Bound = Bind();

    private readonly ZeroingHeap _heap;
    private byte* _stream;

    private LibzDecompressor(ZeroingHeap heap, byte* stream)
    {
        _heap = heap;
        _stream = stream;
    }

    ~LibzDecompressor() => Dispose(false);

    /// <summary>Whether libz.so.1 is bound.</summary>
    public static bool IsAvailable => Bound is not null;

    // "1.2.11": inflateInit2_ checks only the first character against its own ZLIB_VERSION (1.2.x, 1.3.x, zlib-ng's compat).
    private static ReadOnlySpan<byte> Version => "1.2.11\0"u8;

    private static delegate* unmanaged<byte*, int, byte*, int, int> Init => (delegate* unmanaged<byte*, int, byte*, int, int>)Bound![0];

    private static delegate* unmanaged<byte*, int> Reset => (delegate* unmanaged<byte*, int>)Bound![1];

    private static delegate* unmanaged<byte*, int, int> Inflate => (delegate* unmanaged<byte*, int, int>)Bound![2];

    /// <summary>A decompressor with its own inflate state; null when libz.so.1 is not bound or the state cannot be made.</summary>
    public static LibzDecompressor? TryCreate()
    {
        if (Bound is null)
        {
            return null;
        }

        // The z_stream is in native memory: zlib keeps a pointer back to it, so it must not move.
        var heap = new ZeroingHeap();
        byte* stream = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(StreamSize);
        *(delegate* unmanaged<void*, uint, uint, void*>*)(stream + ZAllocField) = ZeroingHeap.ZlibAlloc;
        *(delegate* unmanaged<void*, void*, void>*)(stream + ZFreeField) = ZeroingHeap.ZlibFree;
        *(void**)(stream + OpaqueField) = heap.Opaque;
        fixed (byte* version = Version)
        {
            if (Init(stream, WindowBits, version, StreamSize) != Ok)
            {
                System.Runtime.InteropServices.NativeMemory.Free(stream);
                heap.Dispose();
                return null;
            }
        }

        return new LibzDecompressor(heap, stream);
    }

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        ObjectDisposedException.ThrowIf(_stream == null, this);
        byte* stream = _stream;
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            if (Reset(stream) != Ok)
            {
                return DumpError.DecompressionFailed;
            }

            *(byte**)(stream + NextIn) = input;
            *(uint*)(stream + AvailIn) = (uint)source.Length;
            *(byte**)(stream + NextOut) = output;
            *(uint*)(stream + AvailOut) = (uint)page.Length;
            int result = Inflate(stream, Finish);
            if (result is not (Ok or StreamEnd or BufferError))
            {
                return Clear(stream, DumpError.DecompressionFailed);
            }

            if (*(uint*)(stream + AvailOut) != 0)
            {
                return Clear(stream, DumpError.DecompressionSizeMismatch);
            }

            // The page is full. A stream that has not ended yet may still end without output (its last block code and
            // trailer), or would write past the page: one byte of room tells which.
            if (result != StreamEnd)
            {
                byte spare;
                *(byte**)(stream + NextOut) = &spare;
                *(uint*)(stream + AvailOut) = 1;
                result = Inflate(stream, Finish);
                if (*(uint*)(stream + AvailOut) == 0)
                {
                    return Clear(stream, DumpError.DecompressionSizeMismatch);
                }
            }

            // A page is exactly one complete stream: input cut short, or bytes after its end, do not decompress.
            return Clear(stream, result == StreamEnd && *(uint*)(stream + AvailIn) == 0 ? DumpError.None : DumpError.DecompressionFailed);
        }
    }

    internal override bool StateContains(ReadOnlySpan<byte> bytes) => _heap.Contains(bytes);

    internal override void ClearState() => _heap.Clear();

    protected override void Dispose(bool disposing)
    {
        if (_stream != null)
        {
            // Every block zlib allocated is in the heap, and freeing them is all inflateEnd does: the heap zeroes and
            // frees them, whatever state they are in (ClearState leaves a state inflateEnd refuses).
            _heap.Dispose();
            System.Runtime.InteropServices.NativeMemory.Clear(_stream, StreamSize);
            System.Runtime.InteropServices.NativeMemory.Free(_stream);
            _stream = null;
        }

        base.Dispose(disposing);
    }

    // Leaves no pointer into the page or the source behind in the state.
    private static DumpError Clear(byte* stream, DumpError error)
    {
        *(byte**)(stream + NextIn) = null;
        *(byte**)(stream + NextOut) = null;
        return error;
    }

    private static nint[]? Bind()
    {
        nint[] exports = new nint[3];
        return NativeCodecLibrary.TryBind("libz.so.1", "libz", ["inflateInit2_", "inflateReset", "inflate"], exports) ? exports : null;
    }
}
