namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Snappy pages through the system's libsnappy.so.1 (Debian libsnappy1v5, the library makedumpfile and libkdumpfile
/// call): its C interface decodes into the page, keeps no state and allocates nothing. A page is one block that decodes
/// to exactly one page. The product reads snappy pages with <see cref="SnappyDecompressor"/>; this one is what the
/// tests and the benchmarks hold it against.
/// </summary>
internal sealed unsafe class LibsnappyDecompressor : PageDecompressor
{
    private const int Ok = 0;               // SNAPPY_OK

    private static readonly nint[]? Bound = Bind();

    private LibsnappyDecompressor()
    {
    }

    /// <summary>Whether libsnappy.so.1 is bound.</summary>
    public static bool IsAvailable => Bound is not null;

    private static delegate* unmanaged<byte*, nuint, nuint*, int> UncompressedLength => (delegate* unmanaged<byte*, nuint, nuint*, int>)Bound![0];

    private static delegate* unmanaged<byte*, nuint, byte*, nuint*, int> Uncompress => (delegate* unmanaged<byte*, nuint, byte*, nuint*, int>)Bound![1];

    /// <summary>A decompressor; null when libsnappy.so.1 is not bound.</summary>
    public static LibsnappyDecompressor? TryCreate() => Bound is null ? null : new LibsnappyDecompressor();

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            // The length in the block's header first: a bad varint does not decompress.
            nuint length;
            if (UncompressedLength(input, (nuint)source.Length, &length) != Ok)
            {
                return DumpError.DecompressionFailed;
            }

            if (length != (nuint)page.Length)
            {
                return DumpError.DecompressionSizeMismatch;
            }

            // snappy_uncompress checks that the block decodes to exactly that length, and never writes past it.
            nuint written = (nuint)page.Length;
            return Uncompress(input, (nuint)source.Length, output, &written) == Ok && written == (nuint)page.Length
                ? DumpError.None
                : DumpError.DecompressionFailed;
        }
    }

    private static nint[]? Bind()
    {
        nint[] exports = new nint[2];
        return NativeCodecLibrary.TryBind("libsnappy.so.1", "libsnappy", ["snappy_uncompressed_length", "snappy_uncompress"], exports) ? exports : null;
    }
}
