namespace CrashDmCrypt.Dumps.Formats;

/// <summary>Offsets and sizes of the ELF structures a core file reader needs (System V ABI, elf.h), each derived from the field before it.</summary>
internal static class ElfLayout
{
    public const int IdentSize = 16;
    public const int ClassIndex = 4;      // EI_CLASS
    public const int DataIndex = 5;       // EI_DATA
    public const int VersionIndex = 6;    // EI_VERSION
    public const byte Class32 = 1;
    public const byte Class64 = 2;
    public const byte DataLittle = 1;
    public const byte DataBig = 2;
    public const ushort TypeCore = 4;     // ET_CORE
    public const uint LoadType = 1;       // PT_LOAD
    public const uint NoteType = 4;       // PT_NOTE
    public const ushort ExtendedCount = 0xFFFF; // PN_XNUM: e_phnum is in section 0's sh_info
    public const uint VmcoreInfoNoteType = 0;

    public static ReadOnlySpan<byte> Magic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public static ReadOnlySpan<byte> VmcoreInfoName => "VMCOREINFO"u8;

    // Header fields after e_ident: e_type, e_machine (u16), e_version (u32), then e_entry, e_phoff, e_shoff (word size),
    // e_flags (u32), e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx (u16).
    public const int TypeOffset = IdentSize;
    public const int MachineOffset = TypeOffset + sizeof(ushort);
    public const int FileVersionOffset = MachineOffset + sizeof(ushort);
    public const int EntryOffset = FileVersionOffset + sizeof(uint);

    public static int PhOffOffset(int word) => EntryOffset + word;

    public static int ShOffOffset(int word) => PhOffOffset(word) + word;

    public static int FlagsOffset(int word) => ShOffOffset(word) + word;

    public static int EhSizeOffset(int word) => FlagsOffset(word) + sizeof(uint);

    public static int PhEntSizeOffset(int word) => EhSizeOffset(word) + sizeof(ushort);

    public static int PhNumOffset(int word) => PhEntSizeOffset(word) + sizeof(ushort);

    public static int ShEntSizeOffset(int word) => PhNumOffset(word) + sizeof(ushort);

    public static int ShNumOffset(int word) => ShEntSizeOffset(word) + sizeof(ushort);

    public static int HeaderSize(int word) => ShNumOffset(word) + (2 * sizeof(ushort));

    // Program header: ELF64 p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
    // ELF32 p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align.
    public static int ProgramHeaderSize(int word) => word == 8 ? 56 : 32;

    public static int POffsetOffset(int word) => word == 8 ? 8 : 4;

    public static int PPaddrOffset(int word) => POffsetOffset(word) + (2 * word);

    public static int PFileSzOffset(int word) => PPaddrOffset(word) + word;

    public static int PMemSzOffset(int word) => PFileSzOffset(word) + word;

    // Section header 0: sh_name, sh_type (u32), sh_flags, sh_addr, sh_offset, sh_size (word), sh_link, sh_info (u32).
    public static int ShInfoOffset(int word) => (2 * sizeof(uint)) + (4 * word) + sizeof(uint);

    // Note header: namesz, descsz, type (u32), then name and desc, each padded to 4 bytes.
    public const int NoteHeaderSize = 3 * sizeof(uint);
}
