namespace CrashDmCrypt.Dumps;

/// <summary>The page compressions of a kdump-compressed dump, as bits of <c>page_desc.flags</c> (makedumpfile diskdump_mod.h).</summary>
[Flags]
public enum DumpCompression
{
    /// <summary>Pages stored as they are.</summary>
    None = 0,

    /// <summary>DUMP_DH_COMPRESSED_ZLIB.</summary>
    Zlib = 0x1,

    /// <summary>DUMP_DH_COMPRESSED_LZO (lzo1x).</summary>
    Lzo = 0x2,

    /// <summary>DUMP_DH_COMPRESSED_SNAPPY.</summary>
    Snappy = 0x4,

    /// <summary>DUMP_DH_COMPRESSED_ZSTD.</summary>
    Zstd = 0x20,
}
