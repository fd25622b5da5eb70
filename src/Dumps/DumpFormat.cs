namespace CrashDmCrypt.Dumps;

/// <summary>The container a dump is in, as detected from its first bytes.</summary>
public enum DumpFormat
{
    /// <summary>No known signature: a raw image of physical memory.</summary>
    Raw = 0,

    /// <summary>ELF core file (/proc/vmcore, <c>makedumpfile -E</c>, QEMU <c>dump-guest-memory</c>).</summary>
    Elf = 1,

    /// <summary>kdump-compressed (<c>KDUMP   </c> or <c>DISKDUMP</c>), makedumpfile's default output.</summary>
    KdumpCompressed = 2,

    /// <summary>The flattened stream of a kdump-compressed dump (<c>makedumpfile -F</c>, QEMU <c>dump-guest-memory -z</c>).</summary>
    KdumpFlattened = 3,

    /// <summary>LiME (Linux Memory Extractor) range file.</summary>
    Lime = 4,
}
