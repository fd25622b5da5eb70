namespace CrashDmCrypt.Dumps.Compression;

/// <summary>A method this process cannot read (LZO without liblzo2, a method kdump does not define): every page gets the same error.</summary>
internal sealed class RefusingDecompressor(DumpError error) : PageDecompressor
{
    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page) => error;
}
