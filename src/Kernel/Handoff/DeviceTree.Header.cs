using System.Buffers.Binary;

namespace CrashDmCrypt.Kernel.Handoff;

// fdt_check_header: the header and the placement of its blocks.
public static partial class DeviceTree
{
    // fdt_check_header: magic, version, then each block inside [header, totalsize); plus alignment and overlap.
    // Offsets name the header field at fault (the offset field of a block, or its size field when only the size is wrong).
    private static DeviceTreeProblem CheckHeader<TMeter>(ReadOnlySpan<byte> dtb, ref TMeter meter, out Blocks blocks)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        blocks = default;
        if (dtb.Length < FdtLayout.WordSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        if (Word(dtb, FdtLayout.MagicOffset) != FdtLayout.Magic)
        {
            return Fail(DeviceTreeError.BadMagic, FdtLayout.MagicOffset);
        }

        if (dtb.Length < FdtLayout.VersionPrefixSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        uint version = Word(dtb, FdtLayout.VersionOffset);
        if (version < FdtLayout.FirstSupportedVersion)
        {
            return Fail(DeviceTreeError.UnsupportedVersion, FdtLayout.VersionOffset);
        }

        if (Word(dtb, FdtLayout.LastCompatibleVersionOffset) > FdtLayout.LastSupportedVersion)
        {
            return Fail(DeviceTreeError.UnsupportedVersion, FdtLayout.LastCompatibleVersionOffset);
        }

        bool hasStructSize = version >= 17;
        int headerSize = hasStructSize ? FdtLayout.HeaderSize : FdtLayout.HeaderSizeV16;
        if (dtb.Length < headerSize)
        {
            return Fail(DeviceTreeError.TruncatedHeader, dtb.Length);
        }

        // Stryker disable once all : work meter only; no result depends on it
        meter.Add(headerSize);
        uint totalSize = Word(dtb, FdtLayout.TotalSizeOffset);
        if (totalSize < (uint)headerSize)
        {
            return Fail(DeviceTreeError.TotalSizeTooSmall, FdtLayout.TotalSizeOffset);
        }

        if (totalSize > (uint)dtb.Length)
        {
            return Fail(DeviceTreeError.TotalSizeBeyondBuffer, FdtLayout.TotalSizeOffset);
        }

        uint reservationOffset = Word(dtb, FdtLayout.ReservationMapOffsetOffset);
        uint structOffset = Word(dtb, FdtLayout.StructOffsetOffset);
        uint stringsOffset = Word(dtb, FdtLayout.StringsOffsetOffset);
        uint stringsSize = Word(dtb, FdtLayout.StringsSizeOffset);
        ulong structSize = hasStructSize
            ? Word(dtb, FdtLayout.StructSizeOffset)

            // Version 16 has no size_dt_struct: the block runs to the strings block if that follows it, else to the end.
            : (stringsOffset > structOffset ? Math.Min(stringsOffset, totalSize) : totalSize) - (ulong)structOffset;
        int blockField = BlockOutOfRangeField(reservationOffset, 0, FdtLayout.ReservationMapOffsetOffset, FdtLayout.ReservationMapOffsetOffset, headerSize, totalSize);
        // Only a version-17 size_dt_struct can be at fault: a version-16 size ends at or before totalsize.
        if (blockField == NoField)
        {
            blockField = BlockOutOfRangeField(structOffset, structSize, FdtLayout.StructOffsetOffset, FdtLayout.StructSizeOffset, headerSize, totalSize);
        }

        if (blockField == NoField)
        {
            blockField = BlockOutOfRangeField(stringsOffset, stringsSize, FdtLayout.StringsOffsetOffset, FdtLayout.StringsSizeOffset, headerSize, totalSize);
        }

        if (blockField != NoField)
        {
            return Fail(DeviceTreeError.BlockOutOfRange, blockField);
        }

        if (structOffset % FdtLayout.WordSize != 0)
        {
            return Fail(DeviceTreeError.BlockMisaligned, FdtLayout.StructOffsetOffset);
        }

        if (reservationOffset % FdtLayout.ReservationMapAlignment != 0)
        {
            return Fail(DeviceTreeError.BlockMisaligned, FdtLayout.ReservationMapOffsetOffset);
        }

        // The map is as long as its entries up to and including the first whose size is 0: fdt_num_mem_rsv ends it
        // there, and so does the kernel's early_init_fdt_scan_reserved_mem, whatever the address (the specification's
        // terminator is (0, 0), which dtc writes).
        ulong reservationEnd = 0;
        for (ulong entry = reservationOffset; entry + FdtLayout.ReservationEntrySize <= totalSize; entry += FdtLayout.ReservationEntrySize)
        {
            ReadOnlySpan<byte> pair = dtb.Slice((int)entry, FdtLayout.ReservationEntrySize);
            // Stryker disable once all : work meter only; no result depends on it
            meter.Add(FdtLayout.ReservationEntrySize);
            if (BinaryPrimitives.ReadUInt64BigEndian(pair[FdtLayout.ReservationSizeOffset..]) == 0)
            {
                reservationEnd = entry + FdtLayout.ReservationEntrySize;
                break;
            }
        }

        if (reservationEnd == 0)
        {
            return Fail(DeviceTreeError.ReservationMapUnterminated, (int)reservationOffset);
        }

        // Each pair is reported at the header field of the block that starts later (of the second named, on a tie).
        if (Overlap(reservationOffset, reservationEnd, structOffset, structOffset + structSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, structOffset >= reservationOffset ? FdtLayout.StructOffsetOffset : FdtLayout.ReservationMapOffsetOffset);
        }

        if (Overlap(reservationOffset, reservationEnd, stringsOffset, (ulong)stringsOffset + stringsSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, stringsOffset >= reservationOffset ? FdtLayout.StringsOffsetOffset : FdtLayout.ReservationMapOffsetOffset);
        }

        if (Overlap(structOffset, structOffset + structSize, stringsOffset, (ulong)stringsOffset + stringsSize))
        {
            return Fail(DeviceTreeError.BlocksOverlap, stringsOffset >= structOffset ? FdtLayout.StringsOffsetOffset : FdtLayout.StructOffsetOffset);
        }

        blocks = new Blocks((int)structOffset, (int)structSize, (int)stringsOffset, (int)stringsSize);
        return default;
    }

    // Compared without adding, so no size can wrap the sum. Returns the header field at fault, or NoField.
    private static int BlockOutOfRangeField(uint offset, ulong size, int offsetField, int sizeField, int headerSize, uint totalSize) =>
        offset < (uint)headerSize || offset > totalSize ? offsetField
        : size > totalSize - offset ? sizeField
        : NoField;

    // Half-open ranges; an empty block overlaps nothing.
    private static bool Overlap(ulong start1, ulong end1, ulong start2, ulong end2) =>
        start1 < end1 && start2 < end2 && start1 < end2 && start2 < end1;

    private readonly record struct Blocks(int StructOffset, int StructSize, int StringsOffset, int StringsSize);
}
