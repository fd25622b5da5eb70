using System.Numerics;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// One page_desc_t (makedumpfile diskdump_mod.h): where the page's data is, how many bytes it takes and how it is
/// compressed (page_flags, the fourth field, is not read). Decoded here only, in the file's byte order.
/// </summary>
internal readonly record struct KdumpPageDescriptor(ulong DataOffset, uint Size, uint Flags)
{
    private const DumpCompression AllMethods = DumpCompression.Zlib | DumpCompression.Lzo | DumpCompression.Snappy | DumpCompression.Zstd;

    /// <summary>The method page_desc.flags names (none, or one of the four bits).</summary>
    public DumpCompression Method => (DumpCompression)Flags;

    /// <summary>The compression bits set in flags, whatever else is set (for a survey of the methods a dump uses).</summary>
    public DumpCompression Methods => (DumpCompression)(Flags & (uint)AllMethods);

    public static KdumpPageDescriptor Read(ReadOnlySpan<byte> descriptor, ByteReader r) => new(
        r.U64(descriptor, 0),
        r.U32(descriptor, KdumpLayout.PageDescriptorSizeOffset),
        r.U32(descriptor, KdumpLayout.PageDescriptorFlagsOffset));

    /// <summary>
    /// Whether the descriptor can name a page of <paramref name="pageSize"/> bytes in <paramref name="source"/>: data of
    /// one byte to one page inside the file, at most one method bit and nothing else, and an uncompressed page exactly one
    /// page long. On failure, <paramref name="field"/> is the offset of the field at fault inside the descriptor.
    /// </summary>
    public DumpError Check(int pageSize, Sources.DumpSource source, out int field)
    {
        field = 0;
        if (Size == 0 || Size > (uint)pageSize || !source.Contains(DataOffset, Size))
        {
            return DumpError.KdumpBadPageDescriptor;
        }

        if ((Flags & ~(uint)AllMethods) != 0 || BitOperations.PopCount(Flags) > 1)
        {
            field = KdumpLayout.PageDescriptorFlagsOffset;
            return DumpError.KdumpUnknownCompression;
        }

        if (Method == DumpCompression.None && Size != (uint)pageSize)
        {
            field = KdumpLayout.PageDescriptorSizeOffset;
            return DumpError.KdumpBadPageDescriptor;
        }

        return DumpError.None;
    }
}
