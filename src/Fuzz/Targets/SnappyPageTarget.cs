using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Compression;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>snappy-page</c> target: the input is one snappy block, decoded by the product's <see cref="SnappyDecompressor"/>
/// into a page that ends at a guard page (a write past it is a crash), with a sentinel in front of it that must stay
/// whole. The page is as long as the block says when that is at most 64 KiB (else 4 KiB). The answer is one of the
/// three a page read may give, and where libsnappy.so.1 is bound it is libsnappy's answer, with the same page.
/// </summary>
internal static class SnappyPageTarget
{
    private const int MaxPage = 64 * 1024;
    private const int SentinelLength = 64;
    private const byte Sentinel = 0xA5;

    [ThreadStatic]
    private static PageDecompressor? t_libsnappy;

    [ThreadStatic]
    private static byte[]? t_reference;

    public static void Run(ReadOnlySpan<byte> input)
    {
        int length = SnappyDecompressor.TryReadLength(input, out uint declared, out _) && declared <= MaxPage ? (int)declared : 4096;
        FuzzContext context = FuzzContext.Current;
        Span<byte> page = context.Work.Tail(length);
        Span<byte> before = context.Work.Before(length, SentinelLength);
        before.Fill(Sentinel);
        page.Fill(Sentinel);

        DumpError got = new SnappyDecompressor().Decompress(input, page);
        Check.That(got is DumpError.None or DumpError.DecompressionFailed or DumpError.DecompressionSizeMismatch, $"snappy page: error {got}");
        Check.That(!before.ContainsAnyExcept(Sentinel), "snappy page: a byte before the page was written");
        Check.That(got != DumpError.DecompressionSizeMismatch || declared != (uint)length, "snappy page: a size mismatch on a block that declares the page's length");

        t_libsnappy ??= PageDecompressor.CreateNative(DumpCompression.Snappy);
        if (t_libsnappy is not null)
        {
            Span<byte> reference = (t_reference ??= GC.AllocateArray<byte>(MaxPage, pinned: true)).AsSpan(0, length);
            DumpError expected = t_libsnappy.Decompress(input, reference);
            Check.That(expected == got, $"snappy page: libsnappy gives {expected}, the decoder {got}");
            Check.That(got != DumpError.None || page.SequenceEqual(reference), "snappy page: the page differs from libsnappy's");
            reference.Clear();
        }

        page.Clear();
    }
}
