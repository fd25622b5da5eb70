namespace CrashDmCrypt.Dumps;

/// <summary>How <see cref="DumpReader"/> opens a dump. The defaults suit real dumps; the limits bound the memory a hostile file can make the reader use.</summary>
public readonly struct DumpOpenOptions
{
    /// <summary>Default <see cref="MaxRanges"/>.</summary>
    public const int DefaultMaxRanges = 1 << 20;

    /// <summary>Default <see cref="MaxFlattenedRecords"/>.</summary>
    public const int DefaultMaxFlattenedRecords = 1 << 22;

    /// <summary>Default <see cref="MaxBitmapBytes"/>: both kdump bitmaps of 16 TiB of 4 KiB pages.</summary>
    public const long DefaultMaxBitmapBytes = 1L << 30;

    /// <summary>Default <see cref="MaxOutOfOrderPageData"/>.</summary>
    public const int DefaultMaxOutOfOrderPageData = 1 << 16;

    /// <summary>Physical address of byte 0 of a raw image; without it a raw image's addresses are its file offsets and are reported as unknown.</summary>
    public ulong? RawBase { get; init; }

    /// <summary>Most physical ranges (segments, LiME ranges, runs of pages) a dump may have; 0 means <see cref="DefaultMaxRanges"/>.</summary>
    public int MaxRanges { get; init; }

    /// <summary>Most records a flattened dump may have; 0 means <see cref="DefaultMaxFlattenedRecords"/>.</summary>
    public int MaxFlattenedRecords { get; init; }

    /// <summary>Most bytes of kdump bitmaps held in memory; 0 means <see cref="DefaultMaxBitmapBytes"/>.</summary>
    public long MaxBitmapBytes { get; init; }

    /// <summary>
    /// Most distinct page data offsets a kdump file's descriptors may name out of page-frame order (below the data of an
    /// earlier page) for the reader to keep only those while it opens the dump; 0 means
    /// <see cref="DefaultMaxOutOfOrderPageData"/>. makedumpfile and QEMU write page data in page-frame order after one zero
    /// page that every zero page names, so their dumps have one, and the offsets in order, nearly every page's, take no
    /// memory. A file with more (a scrubbed copy, whose rewritten pages lie at its end; a hostile file) is opened with every
    /// page's offset kept, 8 bytes a page, so that a page naming data an earlier page named is still read once.
    /// </summary>
    public int MaxOutOfOrderPageData { get; init; }

    /// <summary>
    /// A relaxation, off by default: a scan of a file opened by path (raw, ELF, LiME) maps the file read-only once
    /// (<c>mmap(2)</c>) and scans each window in place instead of copying it with <c>pread(2)</c>, which is faster where
    /// page faults are cheap (bench/README.md). Each window's pages are read in before it is scanned
    /// (<c>MADV_POPULATE_READ</c>), so a read error or a file already shorter is a read problem as without it; but a file
    /// truncated by another process in the moment between that and the window's scan ends the process with SIGBUS, as
    /// with any reader of a mapped file (ripgrep's default). For a file no one else writes. The pages a scan touched
    /// count in the process's resident size until the dump is disposed (they are the page cache's, shared, not heap).
    /// Ignored where mapping is not possible (the file is then read).
    /// </summary>
    public bool MapFile { get; init; }

    internal int RangeLimit => MaxRanges > 0 ? MaxRanges : DefaultMaxRanges;

    internal int FlattenedRecordLimit => MaxFlattenedRecords > 0 ? MaxFlattenedRecords : DefaultMaxFlattenedRecords;

    internal int OutOfOrderPageDataLimit => MaxOutOfOrderPageData > 0 ? MaxOutOfOrderPageData : DefaultMaxOutOfOrderPageData;

    internal long BitmapByteLimit => MaxBitmapBytes > 0 ? MaxBitmapBytes : DefaultMaxBitmapBytes;
}
