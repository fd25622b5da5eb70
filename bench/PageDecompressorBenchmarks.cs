using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Tests;

namespace CrashDmCrypt.Bench;

/// <summary>
/// The page decompressors side by side: the same pages (the first 8 MiB of the scan benchmarks' memory: 16 KiB runs of
/// random bytes, text, small integers and zeros) compressed as makedumpfile does (zlib level 1, <c>lzo1x_1_compress</c>,
/// snappy, zstd level 1; a page that does not shrink is stored as it is and not decompressed), then every compressed
/// page decompressed by each candidate into one page buffer. libdeflate is the product's first choice for zlib, libz the
/// second; snappy pages are the managed decoder's (<c>SnappyDecompressor</c>), Snappier's block decoder is bench only. zlib-ng is the copy .NET ships
/// (<c>libSystem.IO.Compression.Native</c>, its <c>CompressionNative_*</c> exports), bound here only: it cannot be given an
/// allocator, so it cannot zero its state, and the product does not use it.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 9)]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet owns the lifetime; [GlobalCleanup] disposes.")]
public class PageDecompressorBenchmarks
{
    private const int Page = 4096;
    private const int MemoryBytes = 8 << 20;

    private readonly byte[] _page = GC.AllocateUninitializedArray<byte>(Page, pinned: true);
    private byte[][] _packed = [];
    private Func<byte[], byte[], DumpError> _decompress = null!;
    private IDisposable? _owner;

    /// <summary>Method and decompressor.</summary>
    [Params(
        "zlib: libdeflate.so.0 1.14", "zlib: libz.so.1 1.2.13", "zlib: zlib-ng (.NET)", "zlib: ZLibStream",
        "zstd: libzstd.so.1 1.5.4", "zstd: ZstdSharp 0.8.8",
        "lzo: liblzo2 2.10",
        "snappy: managed (product)", "snappy: libsnappy 1.1.9", "snappy: Snappier 1.3.1")]
    public string Candidate { get; set; } = "zlib: libdeflate.so.0 1.14";

    /// <summary>Compressed pages each iteration decompresses.</summary>
    public int Pages => _packed.Length;

    [GlobalSetup]
    public void Setup()
    {
        byte[] memory = DumpScanBenchmarks.Content().AsSpan(0, MemoryBytes).ToArray();
        DumpCompression method = Enum.Parse<DumpCompression>(Candidate[..Candidate.IndexOf(':', StringComparison.Ordinal)], ignoreCase: true);
        var packed = new List<byte[]>();
        for (int at = 0; at < memory.Length; at += Page)
        {
            byte[] page = memory.AsSpan(at, Page).ToArray();
            byte[] compressed = Compress(method, page);
            if (compressed.Length < Page)
            {
                packed.Add(compressed);
            }
        }

        _packed = [.. packed];
        PageDecompressor? decompressor = Candidate switch
        {
            "zlib: libdeflate.so.0 1.14" => LibdeflateDecompressor.TryCreate() ?? throw new InvalidOperationException("libdeflate.so.0 is not installed (apt-get install libdeflate0)"),
            "zlib: libz.so.1 1.2.13" => LibzDecompressor.TryCreate(),
            "zstd: libzstd.so.1 1.5.4" or "lzo: liblzo2 2.10" or "snappy: libsnappy 1.1.9" => PageDecompressor.CreateNative(method),
            "zlib: ZLibStream" or "zstd: ZstdSharp 0.8.8" or "snappy: managed (product)" => PageDecompressor.CreateManaged(method),
            _ => null,
        };
        if (Candidate == "snappy: Snappier 1.3.1")
        {
            // Bench only: Snappier's block decoder decodes into a pooled array, then copies to the page (see SnappyDecompressor).
            _decompress = static (source, page) => Snappier.Snappy.Decompress(source, page) == page.Length ? DumpError.None : DumpError.DecompressionFailed;
        }
        else if (decompressor is not null)
        {
            _owner = decompressor;
            _decompress = (source, page) => decompressor.Decompress(source, page);
        }
        else
        {
            var zlibNg = new ZlibNg();
            _owner = zlibNg;
            _decompress = zlibNg.Decompress;
        }

        // Every candidate must give back the pages it is timed on.
        for (int at = 0, i = 0; at < memory.Length; at += Page)
        {
            if (Compress(method, memory.AsSpan(at, Page).ToArray()).Length < Page)
            {
                if (_decompress(_packed[i++], _page) != DumpError.None || !_page.AsSpan().SequenceEqual(memory.AsSpan(at, Page)))
                {
                    throw new InvalidOperationException(Candidate + " does not give back page " + (at / Page));
                }
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _owner?.Dispose();

    /// <summary>Decompresses every compressed page once.</summary>
    [Benchmark]
    public int Decompress()
    {
        int good = 0;
        foreach (byte[] packed in _packed)
        {
            good += _decompress(packed, _page) == DumpError.None ? 1 : 0;
        }

        return good;
    }

    private static byte[] Compress(DumpCompression method, byte[] page) => method switch
    {
        DumpCompression.Zlib => KdumpBuilder.Zlib(page, CompressionLevel.Fastest),
        DumpCompression.Zstd => new ZstdSharp.Compressor(1).Wrap(page).ToArray(),
        DumpCompression.Snappy => Snappier.Snappy.CompressToArray(page),
        _ => LzoPage(page),
    };

    private static byte[] LzoPage(byte[] page)
    {
        byte[] output = new byte[Lzo.GetMaxCompressedLength(page.Length)];
        int n = Lzo.Compress(page, output, new byte[Lzo.CompressWorkMemory]);
        return output[..n];
    }

    // .NET's zlib-ng through its CompressionNative_* exports (dotnet/runtime pal_zlib.c): a PAL_ZStream of next_in,
    // next_out, msg, internal state, avail_in, avail_out; the inflate state is allocated by the library's own allocator.
    private sealed unsafe class ZlibNg : IDisposable
    {
        private const string Library = "libSystem.IO.Compression.Native";
        private readonly PalZStream* _stream = (PalZStream*)NativeMemory.AllocZeroed((nuint)sizeof(PalZStream));

        public ZlibNg()
        {
            if (InflateInit2(_stream, 15) != 0)
            {
                throw new InvalidOperationException("CompressionNative_InflateInit2_ failed");
            }
        }

        public DumpError Decompress(byte[] source, byte[] page)
        {
            fixed (byte* input = source)
            fixed (byte* output = page)
            {
                if (InflateReset2(_stream, 15) != 0)
                {
                    return DumpError.DecompressionFailed;
                }

                _stream->NextIn = input;
                _stream->AvailIn = (uint)source.Length;
                _stream->NextOut = output;
                _stream->AvailOut = (uint)page.Length;
                int result = Inflate(_stream, 4);
                return result == 1 && _stream->AvailOut == 0 && _stream->AvailIn == 0 ? DumpError.None : DumpError.DecompressionFailed;
            }
        }

        public void Dispose()
        {
            _ = InflateEnd(_stream);
            NativeMemory.Free(_stream);
        }

        // Bound by name from the runtime's own directory, as the product binds its libraries (no import attributes).
        private static readonly nint Handle = NativeLibrary.Load(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), Library + ".so"));
        private static readonly delegate* unmanaged<PalZStream*, int, int> InflateInit2 = (delegate* unmanaged<PalZStream*, int, int>)NativeLibrary.GetExport(Handle, "CompressionNative_InflateInit2_");
        private static readonly delegate* unmanaged<PalZStream*, int, int> InflateReset2 = (delegate* unmanaged<PalZStream*, int, int>)NativeLibrary.GetExport(Handle, "CompressionNative_InflateReset2_");
        private static readonly delegate* unmanaged<PalZStream*, int, int> Inflate = (delegate* unmanaged<PalZStream*, int, int>)NativeLibrary.GetExport(Handle, "CompressionNative_Inflate");
        private static readonly delegate* unmanaged<PalZStream*, int> InflateEnd = (delegate* unmanaged<PalZStream*, int>)NativeLibrary.GetExport(Handle, "CompressionNative_InflateEnd");

        [StructLayout(LayoutKind.Sequential)]
        private struct PalZStream
        {
            public byte* NextIn;
            public byte* NextOut;
            public byte* Message;
            public void* InternalState;
            public uint AvailIn;
            public uint AvailOut;
        }
    }
}
