using System.Buffers.Binary;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>Integer reads in a byte order chosen at run time, never the host's by accident.</summary>
internal readonly struct ByteReader(bool bigEndian)
{
    public bool BigEndian => bigEndian;

    public ushort U16(ReadOnlySpan<byte> s, int offset) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]);

    public uint U32(ReadOnlySpan<byte> s, int offset) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);

    public int I32(ReadOnlySpan<byte> s, int offset) => (int)U32(s, offset);

    public ulong U64(ReadOnlySpan<byte> s, int offset) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt64LittleEndian(s[offset..]);

    /// <summary>A word of the file's class: 4 or 8 bytes, widened.</summary>
    public ulong Word(ReadOnlySpan<byte> s, int offset, int word) => word == 8 ? U64(s, offset) : U32(s, offset);
}
