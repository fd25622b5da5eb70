namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// disk_dump_header and kdump_sub_header (makedumpfile diskdump_mod.h; QEMU's packed KdumpSubHeader32 for the 32-bit
/// layout), each offset derived from the field before it. <c>word</c> is the dumped machine's <c>long</c>: 8 or 4.
/// </summary>
internal static class KdumpLayout
{
    public const int SignatureLength = 8;
    public const int VersionOffset = SignatureLength;
    public const int UtsnameOffset = VersionOffset + sizeof(int);
    public const int UtsnameFieldLength = 65;   // __NEW_UTS_LEN + 1
    public const int UtsnameLength = 6 * UtsnameFieldLength;
    public const int ReleaseOffset = UtsnameOffset + (2 * UtsnameFieldLength);
    public const int MachineOffset = UtsnameOffset + (4 * UtsnameFieldLength);
    public const int UtsnameEnd = UtsnameOffset + UtsnameLength;
    public const int PageDescriptorSize = 24;   // u64 offset, u32 size, u32 flags, u64 page_flags
    public const int PageDescriptorSizeOffset = sizeof(ulong);
    public const int PageDescriptorFlagsOffset = PageDescriptorSizeOffset + sizeof(uint);
    public const int MinVersion = 1;
    public const int MaxVersion = 6;
    public const int MinBlockSize = 512;
    public const int MaxBlockSize = 1 << 20;

    public static ReadOnlySpan<byte> KdumpSignature => "KDUMP   "u8;

    public static ReadOnlySpan<byte> DiskdumpSignature => "DISKDUMP"u8;

    // pad[6] (64-bit) or pad[2] (32-bit) aligns the struct timeval that follows to the word.
    public static int TimestampOffset(int word) => word == 8 ? UtsnameEnd + 6 : UtsnameEnd + 2;

    public static int StatusOffset(int word) => TimestampOffset(word) + (2 * word);

    public static int BlockSizeOffset(int word) => StatusOffset(word) + sizeof(uint);

    public static int SubHeaderSizeOffset(int word) => BlockSizeOffset(word) + sizeof(int);

    public static int BitmapBlocksOffset(int word) => SubHeaderSizeOffset(word) + sizeof(int);

    public static int MaxMapNrOffset(int word) => BitmapBlocksOffset(word) + sizeof(uint);

    public static int HeaderSize(int word) => MaxMapNrOffset(word) + sizeof(uint);

    // Sub-header: phys_base (word), dump_level, split (int), start_pfn, end_pfn (word), offset_vmcoreinfo (off_t),
    // size_vmcoreinfo (word), offset_note (off_t), size_note (word), offset_eraseinfo (off_t), size_eraseinfo (word),
    // start_pfn_64, end_pfn_64, max_mapnr_64 (u64). A 32-bit ABI that aligns 64-bit fields to 8 (AArch32; libkdumpfile's
    // kdump_sub_header_32pad) puts 4 bytes of padding before each off_t and before start_pfn_64; IA-32 packs them
    // (kdump_sub_header_32pack). A 64-bit layout never pads.
    public static int SplitOffset(int word) => word + sizeof(int);

    public static int OffsetVmcoreInfoOffset(int word, bool padded = false) => SplitOffset(word) + sizeof(int) + (2 * word) + Pad(padded);

    public static int SizeVmcoreInfoOffset(int word, bool padded = false) => OffsetVmcoreInfoOffset(word, padded) + sizeof(long);

    public static int OffsetNoteOffset(int word, bool padded = false) => SizeVmcoreInfoOffset(word, padded) + word + Pad(padded);

    public static int OffsetEraseInfoOffset(int word, bool padded = false) => OffsetNoteOffset(word, padded) + sizeof(long) + word + Pad(padded);

    public static int StartPfn64Offset(int word, bool padded = false) => OffsetEraseInfoOffset(word, padded) + sizeof(long) + word + Pad(padded);

    public static int MaxMapNr64Offset(int word, bool padded = false) => StartPfn64Offset(word, padded) + (2 * sizeof(ulong));

    public static int SubHeaderSize(int word, bool padded = false) => MaxMapNr64Offset(word, padded) + sizeof(ulong);

    private static int Pad(bool padded) => padded ? sizeof(uint) : 0;
}
