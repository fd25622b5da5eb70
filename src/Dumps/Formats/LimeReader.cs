using CrashDmCrypt.Codec;
using System.Buffers.Binary;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// LiME range files: a sequence of 32-byte headers (u32 magic 0x4C694D45, u32 version 1, u64 s_addr, u64 e_addr inclusive,
/// 8 reserved bytes), each followed by the range's bytes. LiME writes the host's order; x86 and arm64 make it little-endian.
/// </summary>
internal static class LimeReader
{
    public const uint Magic = 0x4C694D45;
    public const uint Version = 1;
    public const int HeaderSize = 32;
    public const int VersionOffset = sizeof(uint);
    public const int StartOffset = VersionOffset + sizeof(uint);
    public const int EndOffset = StartOffset + sizeof(ulong);

    public static bool HasSignature(ReadOnlySpan<byte> head) =>
        head.Length >= sizeof(uint) && BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic;

    public static bool TryOpen(DumpSource source, DumpOpenOptions options, out PhysicalMemory? memory, out DumpProblem problem)
    {
        memory = null;
        var segments = new List<Segment>();
        Span<byte> header = stackalloc byte[HeaderSize];
        long position = 0;
        while (position < source.Length)
        {
            if (!source.TryRead(position, header))
            {
                problem = DumpProblem.At(DumpError.Truncated, source.Length);
                return false;
            }

            ulong start = BinaryPrimitives.ReadUInt64LittleEndian(header[StartOffset..]);
            ulong last = BinaryPrimitives.ReadUInt64LittleEndian(header[EndOffset..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
                || BinaryPrimitives.ReadUInt32LittleEndian(header[VersionOffset..]) != Version
                || last < start || last == ulong.MaxValue)
            {
                problem = DumpProblem.At(DumpError.LimeBadHeader, position);
                return false;
            }

            ulong length = last - start + 1;
            long data = position + HeaderSize;
            if (!source.Contains((ulong)data, length))
            {
                problem = DumpProblem.At(DumpError.Truncated, source.Length);
                return false;
            }

            if (segments.Count >= options.RangeLimit)
            {
                problem = DumpProblem.At(DumpError.TooManyRanges, position);
                return false;
            }

            segments.Add(new Segment(start, start + length, data, length));
            position = data + (long)length;
        }

        memory = SegmentedMemory.Create(source, DumpFormat.Lime, segments, KeyBlobByteOrder.LittleEndian, false, VmcoreInfo.Empty, true);
        problem = default;
        return true;
    }
}
