namespace CrashDmCrypt.Codec;

/// <summary>
/// Byte order of the blob's two u32 fields. The kernel writes the CPU's own order;
/// the codec never uses the host's order by accident.
/// </summary>
public enum KeyBlobByteOrder
{
    /// <summary>x86_64, arm64 and ppc64le, the little-endian producers in Linux 7.2. The default.</summary>
    LittleEndian = 0,

    /// <summary>Big-endian ppc64 (arch/powerpc/kexec/elf_64.c:82), the only big-endian producer in Linux 7.2: s390 has no caller of <c>crash_load_dm_crypt_keys</c> and big-endian arm64 depends on BROKEN.</summary>
    BigEndian = 1,
}
