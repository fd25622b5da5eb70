using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zlib pages (makedumpfile's <c>compress2</c>, QEMU's <c>compress2</c>). Read through the system's libz.so.1 (Debian
/// zlib1g, priority required, the library makedumpfile and libkdumpfile call), bound at run time as liblzo2 is, so that
/// one inflate state per thread serves every page (<c>inflateReset</c>) and a page allocates nothing: .NET 10's
/// System.IO.Compression has no span-based decoder, and a <see cref="ZLibStream"/> costs a stream and an inflater per
/// page. Where libz.so.1 cannot be loaded, <see cref="ZLibStream"/> reads the page, with the same results: a page is
/// exactly one complete zlib stream that inflates to exactly one page.
/// </summary>
internal static unsafe class Zlib
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

    // Each block zlib allocates carries its size in front, so that it is zeroed when freed: the inflate window holds
    // the last page read, which may hold keys.
    private const int BlockHeader = 16;

    private static readonly Binding? Bound = Bind();

    [ThreadStatic]
    private static Inflater? t_inflater;

    /// <summary>Whether libz.so.1 is bound (else pages go through <see cref="ZLibStream"/>).</summary>
    public static bool IsNativeAvailable => Bound is not null;

    /// <summary>Inflates one zlib stream into exactly <paramref name="page"/>; the output can never exceed it.</summary>
    public static DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page) =>
        Bound is { } binding ? DecompressNative(binding, source, page) : DecompressManaged(source, page);

    /// <summary>Frees this thread's inflate state, its window zeroed first.</summary>
    public static void ReleaseThreadState()
    {
        t_inflater?.Dispose();
        t_inflater = null;
    }

    /// <summary>Through libz.so.1; <see cref="DumpError.DecompressionFailed"/> when it is not bound (tests compare the two readers).</summary>
    internal static DumpError DecompressNative(ReadOnlySpan<byte> source, Span<byte> page) =>
        Bound is { } binding ? DecompressNative(binding, source, page) : DumpError.DecompressionFailed;

    private static DumpError DecompressNative(Binding binding, ReadOnlySpan<byte> source, Span<byte> page)
    {
        Inflater? inflater = t_inflater ??= Inflater.Create(binding);
        if (inflater is null)
        {
            return DecompressManaged(source, page);
        }

        byte* stream = inflater.Stream;
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            if (binding.Reset(stream) != Ok)
            {
                return DumpError.DecompressionFailed;
            }

            *(byte**)(stream + NextIn) = input;
            *(uint*)(stream + AvailIn) = (uint)source.Length;
            *(byte**)(stream + NextOut) = output;
            *(uint*)(stream + AvailOut) = (uint)page.Length;
            int result = binding.Inflate(stream, Finish);
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
                result = binding.Inflate(stream, Finish);
                if (*(uint*)(stream + AvailOut) == 0)
                {
                    return Clear(stream, DumpError.DecompressionSizeMismatch);
                }
            }

            // A page is exactly one complete stream: input cut short, or bytes after its end, do not decompress.
            return Clear(stream, result == StreamEnd && *(uint*)(stream + AvailIn) == 0 ? DumpError.None : DumpError.DecompressionFailed);
        }
    }

    // Leaves no pointer into the page or the source behind in the state.
    private static DumpError Clear(byte* stream, DumpError error)
    {
        *(byte**)(stream + NextIn) = null;
        *(byte**)(stream + NextOut) = null;
        return error;
    }

    /// <summary>Through System.IO.Compression: a stream and an inflater for the page.</summary>
    internal static DumpError DecompressManaged(ReadOnlySpan<byte> source, Span<byte> page)
    {
        // An empty stream ends before the page does (and UnmanagedMemoryStream refuses the null pointer of an empty span).
        if (source.IsEmpty)
        {
            return DumpError.DecompressionSizeMismatch;
        }

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
                if (zlib.Read(more) != 0)
                {
                    return DumpError.DecompressionSizeMismatch;
                }

                // ZLibStream reads the end of its input as the end of the stream, and ignores bytes after the stream: a
                // page is exactly one complete stream only if it ends with its own Adler-32 trailer (RFC 1950).
                return source.Length >= 6 && BinaryPrimitives.ReadUInt32BigEndian(source[^4..]) == Adler32(page)
                    ? DumpError.None
                    : DumpError.DecompressionFailed;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // IOException: ZLibException, for what zlib calls an error rather than bad data (a preset dictionary).
                return DumpError.DecompressionFailed;
            }
        }
    }

    // RFC 1950's checksum, by hand: System.IO.Hashing 10 has none. 5552 is the most bytes before the sums can overflow.
    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Modulus = 65521;
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            ReadOnlySpan<byte> run = data[..Math.Min(data.Length, 5552)];
            foreach (byte x in run)
            {
                a += x;
                b += a;
            }

            a %= Modulus;
            b %= Modulus;
            data = data[run.Length..];
        }

        return (b << 16) | a;
    }

    private static Binding? Bind()
    {
        // The offsets above are LP64's; Windows (LLP64) has a different z_stream and no system zlib.
        if (IntPtr.Size != 8 || OperatingSystem.IsWindows()
            || (!NativeLibrary.TryLoad("libz.so.1", out nint handle) && !NativeLibrary.TryLoad("libz", out handle)))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(handle, "inflateInit2_", out nint init)
            || !NativeLibrary.TryGetExport(handle, "inflateReset", out nint reset)
            || !NativeLibrary.TryGetExport(handle, "inflate", out nint inflate)
            || !NativeLibrary.TryGetExport(handle, "inflateEnd", out nint end))
        {
            return null;
        }

        return new Binding(
            (delegate* unmanaged<byte*, int, byte*, int, int>)init,
            (delegate* unmanaged<byte*, int>)reset,
            (delegate* unmanaged<byte*, int, int>)inflate,
            (delegate* unmanaged<byte*, int>)end);
    }

    [UnmanagedCallersOnly]
    private static void* ZAlloc(void* opaque, uint items, uint size)
    {
        ulong length = (ulong)items * size;
        if (length > int.MaxValue)
        {
            return null;
        }

        byte* block = (byte*)NativeMemory.Alloc((nuint)(length + BlockHeader));
        if (block == null)
        {
            return null;
        }

        *(ulong*)block = length;
        return block + BlockHeader;
    }

    [UnmanagedCallersOnly]
    private static void ZFree(void* opaque, void* address)
    {
        if (address == null)
        {
            return;
        }

        byte* block = (byte*)address - BlockHeader;
        NativeMemory.Clear(address, (nuint)(*(ulong*)block));
        NativeMemory.Free(block);
    }

    private sealed class Binding(
        delegate* unmanaged<byte*, int, byte*, int, int> init,
        delegate* unmanaged<byte*, int> reset,
        delegate* unmanaged<byte*, int, int> inflate,
        delegate* unmanaged<byte*, int> end)
    {
        public delegate* unmanaged<byte*, int, byte*, int, int> Init { get; } = init;

        public delegate* unmanaged<byte*, int> Reset { get; } = reset;

        public delegate* unmanaged<byte*, int, int> Inflate { get; } = inflate;

        public delegate* unmanaged<byte*, int> End { get; } = end;
    }

    // One thread's z_stream, in native memory: zlib keeps a pointer back to it, so it must not move.
    private sealed class Inflater : IDisposable
    {
        // "1.2.11": inflateInit2_ checks only the first character against its own ZLIB_VERSION (1.2.x, 1.3.x, zlib-ng's compat).
        private static ReadOnlySpan<byte> Version => "1.2.11\0"u8;

        private readonly Binding _binding;
        private byte* _stream;

        private Inflater(Binding binding, byte* stream)
        {
            _binding = binding;
            _stream = stream;
        }

        ~Inflater() => Release();

        public byte* Stream => _stream;

        public static Inflater? Create(Binding binding)
        {
            byte* stream = (byte*)NativeMemory.AllocZeroed(StreamSize);
            *(delegate* unmanaged<void*, uint, uint, void*>*)(stream + ZAllocField) = &ZAlloc;
            *(delegate* unmanaged<void*, void*, void>*)(stream + ZFreeField) = &ZFree;
            fixed (byte* version = Version)
            {
                if (binding.Init(stream, WindowBits, version, StreamSize) != Ok)
                {
                    NativeMemory.Free(stream);
                    return null;
                }
            }

            return new Inflater(binding, stream);
        }

        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        private void Release()
        {
            if (_stream != null)
            {
                _binding.End(_stream);
                NativeMemory.Free(_stream);
                _stream = null;
            }
        }
    }
}
