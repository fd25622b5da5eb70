namespace CrashDmCrypt.Codec;

/// <summary>
/// Byte order of the blob's two u32 fields. The kernel writes the CPU's own order;
/// the codec never uses the host's order by accident.
/// </summary>
public enum KeyBlobByteOrder
{
    /// <summary>x86_64, arm64, ppc64le, riscv64. The default.</summary>
    LittleEndian = 0,

    /// <summary>s390x and big-endian ppc64.</summary>
    BigEndian = 1,
}
