using System.Buffers.Binary;
using System.IO.Compression;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// zlib pages where libz.so.1 is not bound: a <see cref="ZLibStream"/> (.NET's zlib-ng) and a stream over the page's
/// bytes per page, with the results <see cref="LibzDecompressor"/> gives: a page is exactly one complete zlib stream that
/// inflates to exactly one page. Its inflate state is made and freed inside each call, by .NET's allocator, which does
/// not zero it: this is the fallback, not the first choice.
/// </summary>
internal sealed unsafe class ZLibStreamDecompressor : PageDecompressor
{
    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
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
}
