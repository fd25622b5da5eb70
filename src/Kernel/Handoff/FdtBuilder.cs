using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Writes a flattened device tree in dtc's block order (header, memory reservation map, structure, strings),
/// version 17 with <c>last_comp_version</c> 16. It checks nothing about the tree's shape, so tests can also
/// build malformed trees with it.
/// </summary>
internal sealed class FdtBuilder
{
    private readonly List<(ulong Address, ulong Size)> _reservations = [];
    private readonly ArrayBufferWriter<byte> _structure = new();
    private readonly ArrayBufferWriter<byte> _strings = new();
    private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);

    public void AddReservation(ulong address, ulong size) => _reservations.Add((address, size));

    public void BeginNode(string name)
    {
        AddToken(FdtLayout.TokenBeginNode);
        _structure.Write(Encoding.UTF8.GetBytes(name));
        _structure.Write("\0"u8);
        Pad();
    }

    public void EndNode() => AddToken(FdtLayout.TokenEndNode);

    public void AddProperty(string name, ReadOnlySpan<byte> value)
    {
        AddToken(FdtLayout.TokenProperty);
        AddToken((uint)value.Length);
        AddToken((uint)GetStringOffset(name));
        _structure.Write(value);
        Pad();
    }

    public void AddProperty(string name, uint value)
    {
        Span<byte> cell = stackalloc byte[FdtLayout.WordSize];
        BinaryPrimitives.WriteUInt32BigEndian(cell, value);
        AddProperty(name, cell);
    }

    public void AddProperty(string name, string value) => AddProperty(name, Encoding.UTF8.GetBytes(value + "\0"));

    /// <summary>Writes any 32-bit word into the structure block (FDT_NOP, FDT_END, or a bogus token).</summary>
    public void AddToken(uint token)
    {
        Span<byte> word = stackalloc byte[FdtLayout.WordSize];
        BinaryPrimitives.WriteUInt32BigEndian(word, token);
        _structure.Write(word);
    }

    /// <summary>Lays the tree out and returns it; FDT_END is appended unless <paramref name="appendEnd"/> is false.</summary>
    public byte[] Finish(bool appendEnd = true)
    {
        if (appendEnd)
        {
            AddToken(FdtLayout.TokenEnd);
        }

        int reservationOffset = FdtLayout.HeaderSize;
        int structOffset = reservationOffset + ((_reservations.Count + 1) * FdtLayout.ReservationEntrySize);
        int structSize = _structure.WrittenCount;
        int stringsOffset = structOffset + structSize;
        int stringsSize = _strings.WrittenCount;
        int totalSize = stringsOffset + stringsSize;
        byte[] dtb = new byte[totalSize];
        Span<byte> span = dtb;
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.MagicOffset..], FdtLayout.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.TotalSizeOffset..], (uint)totalSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.StructOffsetOffset..], (uint)structOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.StringsOffsetOffset..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.ReservationMapOffsetOffset..], (uint)reservationOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.VersionOffset..], FdtLayout.LastSupportedVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.LastCompatibleVersionOffset..], FdtLayout.FirstSupportedVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.StringsSizeOffset..], (uint)stringsSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[FdtLayout.StructSizeOffset..], (uint)structSize);
        int entry = reservationOffset;
        foreach ((ulong address, ulong size) in _reservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[entry..], address);
            BinaryPrimitives.WriteUInt64BigEndian(span[(entry + 8)..], size);
            entry += FdtLayout.ReservationEntrySize;
        }

        _structure.WrittenSpan.CopyTo(span[structOffset..]);
        _strings.WrittenSpan.CopyTo(span[stringsOffset..]);
        return dtb;
    }

    private int GetStringOffset(string name)
    {
        if (!_stringOffsets.TryGetValue(name, out int offset))
        {
            offset = _strings.WrittenCount;
            _strings.Write(Encoding.UTF8.GetBytes(name));
            _strings.Write("\0"u8);
            _stringOffsets.Add(name, offset);
        }

        return offset;
    }

    private void Pad()
    {
        while (_structure.WrittenCount % FdtLayout.WordSize != 0)
        {
            _structure.Write("\0"u8);
        }
    }
}
