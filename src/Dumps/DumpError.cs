namespace CrashDmCrypt.Dumps;

/// <summary>
/// Why a dump was refused or a physical read failed. Values are the numbers of the stable codes
/// (<c>CDC401</c>..); see <see cref="DumpErrors"/> for the texts.
/// </summary>
public enum DumpError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>A structure the format requires runs past the end of the file.</summary>
    Truncated = 401,

    /// <summary>The ELF header is not that of an ELF core file this reader understands.</summary>
    ElfBadHeader = 402,

    /// <summary>The ELF program header table is malformed or lies outside the file.</summary>
    ElfBadProgramHeaders = 403,

    /// <summary>A PT_LOAD segment's file bytes lie outside the file.</summary>
    SegmentOutsideFile = 404,

    /// <summary>A segment is absurd: more file bytes than memory bytes, or its end overflows 64 bits.</summary>
    SegmentAbsurd = 405,

    /// <summary>More physical ranges than the reader's limit.</summary>
    TooManyRanges = 406,

    /// <summary>An ELF note or the VMCOREINFO text is malformed.</summary>
    NoteMalformed = 407,

    /// <summary>A LiME range header has a bad magic, version or address pair.</summary>
    LimeBadHeader = 408,

    /// <summary>The kdump-compressed header is malformed (version, block size, sizes).</summary>
    KdumpBadHeader = 409,

    /// <summary>The kdump-compressed sub-header is malformed.</summary>
    KdumpBadSubHeader = 410,

    /// <summary>The kdump-compressed bitmaps lie outside the file, are larger than the bytes a flattened file holds (its holes read as zero but cost memory), or are larger than the reader's limit.</summary>
    KdumpBadBitmap = 411,

    /// <summary>A page descriptor lies outside the file.</summary>
    KdumpPageDescriptorOutsideFile = 412,

    /// <summary>A page descriptor's data lies outside the file, or its size is 0 or larger than a page.</summary>
    KdumpBadPageDescriptor = 413,

    /// <summary>A page descriptor names an unknown compression, or more than one.</summary>
    KdumpUnknownCompression = 414,

    /// <summary>A compressed page does not decompress.</summary>
    DecompressionFailed = 415,

    /// <summary>A compressed page inflates to more or fewer bytes than one page.</summary>
    DecompressionSizeMismatch = 416,

    /// <summary>The page is LZO-compressed and liblzo2 is not installed.</summary>
    LzoUnavailable = 417,

    /// <summary>The flattened header is malformed.</summary>
    FlattenedBadHeader = 418,

    /// <summary>A flattened record has a negative or absurd offset or size, or lies outside the file.</summary>
    FlattenedBadRecord = 419,

    /// <summary>The flattened file has more records than the reader's limit.</summary>
    FlattenedTooManyRecords = 420,

    /// <summary>The physical address range asked for is not (wholly) in the dump's memory.</summary>
    AddressNotInDump = 421,

    /// <summary>The file could not be opened, is not a regular file, or a read of it failed (it shrank, or the dump was disposed, during the read).</summary>
    IoError = 423,

    /// <summary>Two segments (PT_LOADs) map the same file bytes: the bytes would be read, and scanned, once per mapping.</summary>
    SegmentsShareFileBytes = 424,

    /// <summary>The dump holds more copies of key material than one scrub keeps track of.</summary>
    TooManyCopies = 425,
}
