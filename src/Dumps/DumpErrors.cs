using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Dumps;

/// <summary>Fixed texts and codes for <see cref="DumpError"/> values. No message ever contains bytes of the dump.</summary>
public static class DumpErrors
{
    /// <summary>A one-line explanation of <paramref name="error"/>.</summary>
    public static string GetMessage(DumpError error) => error switch
    {
        DumpError.None => "no error",
        DumpError.Truncated => "a structure the format requires runs past the end of the file",
        DumpError.ElfBadHeader => "not an ELF core file this reader understands (class, data, version, type or header size)",
        DumpError.ElfBadProgramHeaders => "the ELF program header table is malformed or lies outside the file",
        DumpError.SegmentOutsideFile => "a segment's file bytes lie outside the file",
        DumpError.SegmentAbsurd => "a segment has more file bytes than memory bytes, or its end overflows 64 bits",
        DumpError.TooManyRanges => "more physical ranges than the reader's limit",
        DumpError.NoteMalformed => "an ELF note or the VMCOREINFO text is malformed",
        DumpError.LimeBadHeader => "a LiME range header has a bad magic, version or address pair",
        DumpError.KdumpBadHeader => "the kdump-compressed header is malformed (signature, version, block size or sizes)",
        DumpError.KdumpBadSubHeader => "the kdump-compressed sub-header is malformed",
        DumpError.KdumpBadBitmap => "the kdump-compressed bitmaps lie outside the file, are larger than the bytes a flattened file holds, or exceed the reader's limit",
        DumpError.KdumpPageDescriptorOutsideFile => "a page descriptor lies outside the file",
        DumpError.KdumpBadPageDescriptor => "a page descriptor's data lies outside the file, or its size is 0 or larger than a page",
        DumpError.KdumpUnknownCompression => "a page descriptor names an unknown compression, or more than one",
        DumpError.DecompressionFailed => "a compressed page does not decompress",
        DumpError.DecompressionSizeMismatch => "a compressed page inflates to more or fewer bytes than one page",
        DumpError.LzoUnavailable => "the page is LZO-compressed and liblzo2 (Debian package liblzo2-2) is not installed",
        DumpError.FlattenedBadHeader => "the flattened (makedumpfile -F) header is malformed",
        DumpError.FlattenedBadRecord => "a flattened record has a negative or absurd offset or size, or runs past the end of the file",
        DumpError.FlattenedTooManyRecords => "the flattened file has more records than the reader's limit",
        DumpError.AddressNotInDump => "the physical address range is not in the dump's memory",
        DumpError.IoError => "the file could not be opened, is not a regular file, or could not be read (it shrank or was closed while being read)",
        DumpError.SegmentsShareFileBytes => "PT_LOAD segments together map more bytes than the file holds: some file bytes are mapped twice",
        DumpError.TooManyCopies => "the dump holds more copies of key material than one scrub keeps track of (100,000)",
        _ => "unknown error",
    };

    /// <summary>Stable text code of <paramref name="error"/>, e.g. <c>CDC401</c>.</summary>
    public static string GetCode(DumpError error) => ProblemCode.Format((int)error);
}
