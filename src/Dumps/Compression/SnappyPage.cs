using System.Runtime.InteropServices;
using Snappier;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Snappy pages (makedumpfile's <c>snappy_compress</c>). Read through the system's libsnappy.so.1 (Debian libsnappy1v5,
/// the library makedumpfile calls) where it is installed, bound at run time as libz.so.1 is: its C interface decodes
/// into the page and allocates nothing, where Snappier 1.3.1 (the only version served) makes a decoder object per call.
/// Elsewhere Snappier reads the page. A page is one block that decodes to exactly one page; libsnappy also refuses a
/// block whose last literal runs past the end of its input, which Snappier takes (the tests pin it).
/// </summary>
internal static unsafe class SnappyPage
{
    private const int Ok = 0;               // SNAPPY_OK

    private static readonly Binding? Bound = Bind();

    /// <summary>Whether libsnappy.so.1 is bound (else pages go through Snappier).</summary>
    public static bool IsNativeAvailable => Bound is not null;

    public static DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page) =>
        Bound is { } binding ? DecompressNative(binding, source, page) : DecompressManaged(source, page);

    /// <summary>Through libsnappy.so.1; <see cref="DumpError.DecompressionFailed"/> when it is not bound (tests compare the two readers).</summary>
    internal static DumpError DecompressNative(ReadOnlySpan<byte> source, Span<byte> page) =>
        Bound is { } binding ? DecompressNative(binding, source, page) : DumpError.DecompressionFailed;

    /// <summary>Through Snappier.</summary>
    internal static DumpError DecompressManaged(ReadOnlySpan<byte> source, Span<byte> page)
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

    private static DumpError DecompressNative(Binding binding, ReadOnlySpan<byte> source, Span<byte> page)
    {
        fixed (byte* input = source)
        fixed (byte* output = page)
        {
            // The length in the block's header first, as Snappier's reader does: a bad varint does not decompress.
            nuint length;
            if (binding.UncompressedLength(input, (nuint)source.Length, &length) != Ok)
            {
                return DumpError.DecompressionFailed;
            }

            if (length != (nuint)page.Length)
            {
                return DumpError.DecompressionSizeMismatch;
            }

            // snappy_uncompress checks that the block decodes to exactly that length, and never writes past it.
            nuint written = (nuint)page.Length;
            return binding.Uncompress(input, (nuint)source.Length, output, &written) == Ok && written == (nuint)page.Length
                ? DumpError.None
                : DumpError.DecompressionFailed;
        }
    }

    private static Binding? Bind()
    {
        if (!NativeLibrary.TryLoad("libsnappy.so.1", out nint handle) && !NativeLibrary.TryLoad("libsnappy", out handle))
        {
            return null;
        }

        if (!NativeLibrary.TryGetExport(handle, "snappy_uncompressed_length", out nint length)
            || !NativeLibrary.TryGetExport(handle, "snappy_uncompress", out nint uncompress))
        {
            return null;
        }

        return new Binding(
            (delegate* unmanaged<byte*, nuint, nuint*, int>)length,
            (delegate* unmanaged<byte*, nuint, byte*, nuint*, int>)uncompress);
    }

    private sealed class Binding(
        delegate* unmanaged<byte*, nuint, nuint*, int> uncompressedLength,
        delegate* unmanaged<byte*, nuint, byte*, nuint*, int> uncompress)
    {
        public delegate* unmanaged<byte*, nuint, nuint*, int> UncompressedLength { get; } = uncompressedLength;

        public delegate* unmanaged<byte*, nuint, byte*, nuint*, int> Uncompress { get; } = uncompress;
    }
}
