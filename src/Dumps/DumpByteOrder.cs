namespace CrashDmCrypt.Dumps;

/// <summary>Byte order of the dumped machine, as the dump's headers give it.</summary>
public enum DumpByteOrder
{
    /// <summary>Little-endian, or unknown (raw and LiME images say nothing).</summary>
    LittleEndian = 0,

    /// <summary>Big-endian (s390x, big-endian ppc64).</summary>
    BigEndian = 1,
}
