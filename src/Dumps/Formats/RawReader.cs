using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>A raw image of physical memory: byte 0 is at the base address (or, without one, addresses are file offsets).</summary>
internal static class RawReader
{
    public static bool TryOpen(DumpSource source, DumpOpenOptions options, out PhysicalMemory? memory, out DumpProblem problem)
    {
        memory = null;
        ulong start = options.RawBase ?? 0;
        ulong length = (ulong)source.Length;
        if (length > ulong.MaxValue - start)
        {
            problem = DumpProblem.At(DumpError.SegmentAbsurd, 0);
            return false;
        }

        var segments = new List<Segment>(1);
        if (length != 0)
        {
            segments.Add(new Segment(start, start + length, 0, length));
        }

        memory = SegmentedMemory.Create(
            source, DumpFormat.Raw, segments, KeyBlobByteOrder.LittleEndian, false, VmcoreInfo.Empty, options.RawBase is not null);
        problem = default;
        return true;
    }
}
