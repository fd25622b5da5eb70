using System.Buffers.Binary;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Reads QEMU's ELF memory dump independently of the project's readers (an ELF64 little-endian core file:
/// PT_LOAD headers map physical addresses to file offsets), so the lab checks the project against the dump,
/// not against itself.
/// </summary>
internal sealed class ElfDumpFile
{
    private readonly byte[] _file;
    private readonly List<(ulong Physical, long Offset, long Size)> _loads = [];

    public ElfDumpFile(string path)
    {
        _file = File.ReadAllBytes(path);
        if (BinaryPrimitives.ReadUInt32BigEndian(_file) != 0x7F454C46 || _file[4] != 2 || _file[5] != 1)
        {
            throw new InvalidDataException("not an ELF64 little-endian file");
        }

        long phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(_file.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(_file.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(_file.AsSpan(0x38));
        for (int i = 0; i < phnum; i++)
        {
            ReadOnlySpan<byte> ph = _file.AsSpan((int)(phoff + (i * phentsize)), phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) == 1)
            {
                _loads.Add((BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(ph[32..])));
            }
        }
    }

    public byte[] Bytes => _file;

    public byte[] ReadPhysical(ulong address, int length)
    {
        foreach ((ulong physical, long offset, long size) in _loads)
        {
            if (address >= physical && address + (ulong)length <= physical + (ulong)size)
            {
                return _file.AsSpan((int)(offset + (long)(address - physical)), length).ToArray();
            }
        }

        throw new ArgumentOutOfRangeException(nameof(address), $"0x{address:x} is in no PT_LOAD");
    }

    /// <summary>Every physical address at which <paramref name="pattern"/> occurs.</summary>
    public List<ulong> FindPhysical(ReadOnlySpan<byte> pattern)
    {
        var found = new List<ulong>();
        foreach ((ulong physical, long offset, long size) in _loads)
        {
            ReadOnlySpan<byte> load = _file.AsSpan((int)offset, (int)size);
            for (int at = 0; at + pattern.Length <= load.Length;)
            {
                int hit = load[at..].IndexOf(pattern);
                if (hit < 0)
                {
                    break;
                }

                found.Add(physical + (ulong)(at + hit));
                at += hit + 1;
            }
        }

        return found;
    }
}
