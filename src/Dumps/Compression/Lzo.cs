namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// lzo1x through the system's liblzo2 (Debian liblzo2-2), the library makedumpfile and libkdumpfile use, bound by
/// <see cref="NativeCodecLibrary"/>: a machine without it still reads every other format and gets
/// <see cref="DumpError.LzoUnavailable"/> for an LZO page (no managed lzo1x decoder is packaged). Only the bounds-checked <c>lzo1x_decompress_safe</c> is used
/// to read; <c>lzo1x_1_compress</c> writes the pages of a scrubbed dump.
/// </summary>
internal static unsafe class Lzo
{
    private const int Ok = 0;               // LZO_E_OK
    private const int OutputOverrun = -5;   // LZO_E_OUTPUT_OVERRUN

    /// <summary>LZO1X_1_MEM_COMPRESS on 64-bit: 16384 dictionary pointers.</summary>
    public const int CompressWorkMemory = 16384 * 8;

    private static readonly Binding? Bound = Bind();

    public static bool IsAvailable => Bound is not null;

    /// <summary>Decompresses into <paramref name="destination"/>; the output can never exceed it.</summary>
    public static DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (Bound is not { } b)
        {
            return DumpError.LzoUnavailable;
        }

        nuint written = (nuint)destination.Length;
        int result;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            result = b.DecompressSafe(src, (nuint)source.Length, dst, &written, null);
        }

        return result switch
        {
            Ok when written == (nuint)destination.Length => DumpError.None,
            Ok or OutputOverrun => DumpError.DecompressionSizeMismatch,
            _ => DumpError.DecompressionFailed,
        };
    }

    /// <summary>
    /// Compresses <paramref name="source"/> into <paramref name="destination"/> (at least <c>n + n/16 + 67</c> bytes), with
    /// the caller's <paramref name="work"/> memory (<see cref="CompressWorkMemory"/> bytes: lzo1x_1_compress's dictionary),
    /// so that compressing many pages allocates nothing.
    /// </summary>
    /// <returns>Bytes written, or -1 when liblzo2 is missing or fails.</returns>
    public static int Compress(ReadOnlySpan<byte> source, Span<byte> destination, Span<byte> work)
    {
        if (Bound is not { } b || destination.Length < GetMaxCompressedLength(source.Length) || work.Length < CompressWorkMemory)
        {
            return -1;
        }

        nuint written = (nuint)destination.Length;
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        fixed (byte* wrk = work)
        {
            return b.Compress(src, (nuint)source.Length, dst, &written, wrk) == Ok ? (int)written : -1;
        }
    }

    public static int GetMaxCompressedLength(int length) => length + (length / 16) + 64 + 3;

    private static Binding? Bind()
    {
        nint[] exports = new nint[3];
        if (!NativeCodecLibrary.TryBind("liblzo2.so.2", "liblzo2", ["__lzo_init_v2", "lzo1x_decompress_safe", "lzo1x_1_compress"], exports))
        {
            return null;
        }

        // lzo_init(): LZO_VERSION 2.10 and the sizes lzoconf.h passes on LP64 (short, int, long, lzo_uint32_t, lzo_uint,
        // dict pointer, char*, void*, lzo_callback_t); it returns LZO_E_OK when the library agrees.
        var initV2 = (delegate* unmanaged<uint, int, int, int, int, int, int, int, int, int, int>)exports[0];
        if (initV2(0x20a0, 2, 4, 8, 4, 8, 8, 8, 8, 48) != Ok)
        {
            return null;
        }

        return new Binding(
            (delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int>)exports[1],
            (delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int>)exports[2]);
    }

    private sealed class Binding(
        delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> decompressSafe,
        delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> compress)
    {
        public delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> DecompressSafe { get; } = decompressSafe;

        public delegate* unmanaged<byte*, nuint, byte*, nuint*, void*, int> Compress { get; } = compress;
    }
}
