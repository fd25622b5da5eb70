namespace CrashDmCrypt.Dumps.Compression;

/// <summary>LZO pages (makedumpfile's <c>lzo1x_1_compress</c>) through liblzo2's bounds-checked <c>lzo1x_decompress_safe</c>, which keeps no state between pages.</summary>
internal sealed class Liblzo2Decompressor : PageDecompressor
{
    private Liblzo2Decompressor()
    {
    }

    /// <summary>A decompressor; null when liblzo2 is not bound.</summary>
    public static Liblzo2Decompressor? TryCreate() => Lzo.IsAvailable ? new Liblzo2Decompressor() : null;

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page) => Lzo.Decompress(source, page);
}
