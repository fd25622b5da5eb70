using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>Writes a flattened device tree header's words for tests that lay blocks out by hand.</summary>
internal static class FdtHeaders
{
    /// <summary>
    /// A tree of <paramref name="totalSize"/> zero bytes with the magic, totalsize, the three block offsets, the version
    /// and last_comp_version 16 written; the block sizes are left for the caller (0 unless written).
    /// </summary>
    public static byte[] Create(int totalSize, int map, int structure, int strings, uint version)
    {
        byte[] dtb = new byte[totalSize];
        Put(dtb, FdtLayout.MagicOffset, FdtLayout.Magic);
        Put(dtb, FdtLayout.TotalSizeOffset, (uint)totalSize);
        Put(dtb, FdtLayout.StructOffsetOffset, (uint)structure);
        Put(dtb, FdtLayout.StringsOffsetOffset, (uint)strings);
        Put(dtb, FdtLayout.ReservationMapOffsetOffset, (uint)map);
        Put(dtb, FdtLayout.VersionOffset, version);
        Put(dtb, FdtLayout.LastCompatibleVersionOffset, 16);
        return dtb;
    }

    public static void Put(byte[] dtb, int offset, uint value) => BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(offset), value);
}
