namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The flattened device tree format (Devicetree Specification v0.4, chapter 5; libfdt's <c>fdt.h</c>):
/// a header of big-endian 32-bit words, a memory reservation map of 64-bit (address, size) pairs
/// ending with (0, 0) (libfdt and the kernel stop at any size 0), a structure block of 4-byte aligned tokens, and a strings block.
/// </summary>
internal static class FdtLayout
{
    public const uint Magic = 0xd00dfeed;

    public const int WordSize = 4;

    // Header fields, each one word after the previous.
    public const int MagicOffset = 0;
    public const int TotalSizeOffset = MagicOffset + WordSize;
    public const int StructOffsetOffset = TotalSizeOffset + WordSize;
    public const int StringsOffsetOffset = StructOffsetOffset + WordSize;
    public const int ReservationMapOffsetOffset = StringsOffsetOffset + WordSize;
    public const int VersionOffset = ReservationMapOffsetOffset + WordSize;
    public const int LastCompatibleVersionOffset = VersionOffset + WordSize;
    public const int BootCpuIdOffset = LastCompatibleVersionOffset + WordSize;
    public const int StringsSizeOffset = BootCpuIdOffset + WordSize;
    public const int StructSizeOffset = StringsSizeOffset + WordSize;

    /// <summary>Header of version 17 and later (<c>size_dt_struct</c> is new in 17).</summary>
    public const int HeaderSize = StructSizeOffset + WordSize;

    /// <summary>Header of version 16, which ends after <c>size_dt_strings</c>.</summary>
    public const int HeaderSizeV16 = StructSizeOffset;

    /// <summary>Bytes needed to read up to <c>last_comp_version</c>, which decide the header's size.</summary>
    public const int VersionPrefixSize = LastCompatibleVersionOffset + WordSize;

    /// <summary>Oldest version read (the first whose root node name is empty; dtc and the kernel write 17).</summary>
    public const uint FirstSupportedVersion = 16;

    /// <summary>The current version; a <c>last_comp_version</c> above it means a reader of 17 cannot read the tree (libfdt's rule).</summary>
    public const uint LastSupportedVersion = 17;

    /// <summary>One memory reservation entry: a 64-bit address then a 64-bit size.</summary>
    public const int ReservationEntrySize = 16;

    /// <summary>Where an entry's size lies in it: after the 64-bit address. An entry of size 0 ends the map (libfdt).</summary>
    public const int ReservationSizeOffset = sizeof(ulong);

    public const int ReservationMapAlignment = 8;

    public const uint TokenBeginNode = 1;
    public const uint TokenEndNode = 2;
    public const uint TokenProperty = 3;
    public const uint TokenNop = 4;
    public const uint TokenEnd = 9;

    /// <summary>FDT_PROP's header after the token: <c>len</c> then <c>nameoff</c>.</summary>
    public const int PropertyHeaderSize = 2 * WordSize;

    /// <summary>Rounds up to the structure block's 4-byte token alignment.</summary>
    public static long AlignToWord(long value) => (value + (WordSize - 1)) & ~(long)(WordSize - 1);
}
