using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// A kdump-compressed dump (makedumpfile's IMPLEMENTATION): header, sub-header, two bitmaps (RAM pages, then pages present
/// in the dump), one page_desc per bit of the second bitmap in page-frame order, then page data. A RAM page whose second
/// bit is clear was excluded and reads as zero.
/// </summary>
internal sealed partial class KdumpMemory : PhysicalMemory
{
    // A count of set bits every 64 bytes of the present bitmap (512 pages): finding a page's descriptor adds at most eight
    // 64-bit popcounts to it, and the counts take an eighth of the bitmap's memory.
    private const int RankBlockBytes = 64;

    private readonly byte[] _ram;
    private readonly byte[] _present;
    private readonly long[] _rank;     // set bits of _present before each RankBlockBytes block
    private readonly long _descriptors;
    private readonly int _pageShift;
    private readonly PhysicalRange[] _stored;
    private PhysicalRange[] _scan = [];

    private KdumpMemory(
        DumpSource source, DumpFormat format, PhysicalRange[] ranges, PhysicalRange[] stored, byte[] ram, byte[] present, long[] rank, long descriptors, int pageSize)
        : base(source, format, ranges)
    {
        _stored = stored;
        _ram = ram;
        _present = present;
        _rank = rank;
        _descriptors = descriptors;
        _pageShift = BitOperations.Log2((uint)pageSize);
    }

    public override IReadOnlyList<PhysicalRange> StoredRanges => _stored;

    internal override IReadOnlyList<PhysicalRange> ScanRanges => _scan;

    internal override long RepeatedPages { get; private protected set; }

    internal override DumpSource StoredFile => Source is FlattenedSource flat ? flat.Inner : Source;

    internal override IReadOnlyList<(long Start, long Length)> OverwrittenRecords => Source is FlattenedSource flat ? flat.Overwritten : [];

    internal override bool FileBytesArePages => true;

    // A copy in the file's own bytes has no address and is not reported outside memory (its pages are); a copy in pages
    // that are all in RAM is in memory. So only pages next to a page outside RAM are decompressed.
    internal override Scrubbing.LeftoverCheck.Scope OutsideView(int margin) =>
        new([], pfn => !InRam(pfn) || !InRam(pfn - 1) || !InRam(pfn + 1));

    // The first bitmap's bit: the ranges were built from it, so this is Covers of the page, without a search.
    private bool InRam(long pfn) => pfn >= 0 && pfn < (long)_ram.Length * 8 && IsSet(_ram, pfn);

    /// <summary>Number of page descriptors (pages stored in the file).</summary>
    public long StoredPages { get; private init; }

    public static bool HasSignature(ReadOnlySpan<byte> head) =>
        head.StartsWith(KdumpLayout.KdumpSignature) || head.StartsWith(KdumpLayout.DiskdumpSignature);
}
