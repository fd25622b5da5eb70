namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// One reader's decompressors, one per method, made when a page of that method first turns up. It belongs to one
/// thread at a time (a scan worker, a page read); disposing it zeroes and frees every decompressor's state.
/// </summary>
internal sealed class PageDecompressors : IDisposable
{
    private readonly PageDecompressor?[] _byMethod = new PageDecompressor?[4];

    /// <summary>Decompresses one page whose page_desc.flags name <paramref name="method"/> (exactly one method bit).</summary>
    public DumpError Decompress(DumpCompression method, ReadOnlySpan<byte> source, Span<byte> page)
    {
        int slot = method switch
        {
            DumpCompression.Zlib => 0,
            DumpCompression.Lzo => 1,
            DumpCompression.Snappy => 2,
            DumpCompression.Zstd => 3,
            _ => -1,
        };
        if (slot < 0)
        {
            return DumpError.KdumpUnknownCompression;
        }

        PageDecompressor decompressor = _byMethod[slot] ??= PageDecompressor.Create(method);
        return decompressor.Decompress(source, page);
    }

    /// <summary>The decompressor made for <paramref name="method"/>, if a page of it was read (tests).</summary>
    internal PageDecompressor? For(DumpCompression method) => method switch
    {
        DumpCompression.Zlib => _byMethod[0],
        DumpCompression.Lzo => _byMethod[1],
        DumpCompression.Snappy => _byMethod[2],
        DumpCompression.Zstd => _byMethod[3],
        _ => null,
    };

    public void Dispose()
    {
        for (int i = 0; i < _byMethod.Length; i++)
        {
            _byMethod[i]?.Dispose();
            _byMethod[i] = null;
        }
    }
}
