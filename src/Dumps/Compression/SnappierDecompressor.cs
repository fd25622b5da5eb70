using Snappier;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>Snappy pages where libsnappy.so.1 is not bound, through Snappier (which makes a decoder object per call, and keeps nothing).</summary>
internal sealed class SnappierDecompressor : PageDecompressor
{
    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
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
}
