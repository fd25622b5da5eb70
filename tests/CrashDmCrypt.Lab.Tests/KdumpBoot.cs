using System.Buffers.Binary;
using System.Globalization;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Boots the lab kernel directly as a kdump kernel (scenario 3): QEMU's generic loader places a region of old
/// memory (a blob, then zeros) and a minimal ELF core header with one note; `elfcorehdr=` and `dmcryptkeys=`
/// name them and `memmap=SIZE$ADDR` keeps the kernel off both (REAL-KERNEL-LAB.md: reading old memory refuses
/// System RAM). The kdump /init then writes 1 to restore and lists what the real kernel added.
/// </summary>
internal static class KdumpBoot
{
    public const ulong BlobAddress = 0x8000000;
    public const ulong HeaderAddress = 0x8100000;
    private const int MemoryMiB = 256;

    /// <summary>What the real kdump kernel did with one region of old memory.</summary>
    /// <param name="Keys">The user keyring after the restore; empty when the kernel faulted (its keyring lock is then held).</param>
    /// <param name="Fault">The kernel's oops line (e.g. a BUG_ON), or null when the restore returned.</param>
    /// <param name="Added">The descriptions of "Success adding key" lines, in order (the only record left after a fault).</param>
    public sealed record Outcome(IReadOnlyList<LabKey> Keys, string? Fault, IReadOnlyList<string> Added, IReadOnlyList<string> RestoreLog, string RestoreRead, string Console);

    public static Outcome Restore(LabImageSet images, byte[] region)
    {
        string work = Directory.CreateTempSubdirectory("cdc-lab-kdump-").FullName;
        try
        {
            string regionPath = Path.Combine(work, "region.bin");
            string headerPath = Path.Combine(work, "elfcorehdr.bin");
            File.WriteAllBytes(regionPath, region.Length == 0 ? new byte[4] : region);
            File.WriteAllBytes(headerPath, ElfCoreHeader(HeaderAddress));
            string append = string.Create(CultureInfo.InvariantCulture,
                $"console=ttyS0 nr_cpus=1 elfcorehdr=0x{HeaderAddress:x} dmcryptkeys=0x{BlobAddress:x} memmap=2M$0x{BlobAddress:x}");
            using var vm = LabMachine.Start(images, append, MemoryMiB, initrd: images.KdumpInitrd, extraArgs:
            [
                "-device", $"loader,file={regionPath},addr=0x{BlobAddress:x},force-raw=on",
                "-device", $"loader,file={headerPath},addr=0x{HeaderAddress:x},force-raw=on",
            ]);
            (string role, _) = vm.WaitReady();
            Assert.Equal("kdump", role);
            // A failing kexec_file_load with KEXEC_FILE_DEBUG leaves kexec_file_dbg_print set, so the restore's
            // kexec_dprintk lines (kernel/crash_dump_dm_crypt.c:113-139) reach the console.
            vm.Must("labtool debug");
            LabResult restore = vm.Run("labtool write /sys/kernel/config/crash_dm_crypt_keys/restore 31");
            string[] console = vm.Console.Split('\n');
            var log = console
                .Where(l => l.Contains("There are", StringComparison.Ordinal) || l.Contains("Get key", StringComparison.Ordinal)
                    || l.Contains("adding key", StringComparison.Ordinal) || l.Contains("dm-crypt keys", StringComparison.Ordinal)
                    || l.Contains("Oops", StringComparison.Ordinal))
                .ToList();
            // "Success adding key %s" has no newline (kernel/crash_dump_dm_crypt.c:78): the next message may follow it.
            var added = console
                .Select(l => l.IndexOf("Success adding key ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 19)..] : null)
                .OfType<string>()
                .Select(d => d.Contains("[ ", StringComparison.Ordinal) ? d[..d.IndexOf("[ ", StringComparison.Ordinal)] : d)
                .ToList();
            string? fault = console.FirstOrDefault(l => l.Contains("Oops", StringComparison.Ordinal) || l.Contains("kernel BUG", StringComparison.Ordinal));
            if (fault is not null || restore.ExitCode != 0)
            {
                return new Outcome([], fault?.Trim() ?? $"restore write exited {restore.ExitCode}", added, log, restore.Text, vm.Console);
            }

            string read = vm.Must("labtool read /sys/kernel/config/crash_dm_crypt_keys/restore").Text;
            var keys = LabKey.Parse(vm.Must("labtool keys"));
            return new Outcome(keys, null, added, log, read, vm.Console);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// An ELF64 core header as kexec writes one: the ELF header, one PT_NOTE, and the note itself (a zero
    /// NT_PRSTATUS named CORE) at a physical address; fs/proc/vmcore.c needs at least one note.
    /// </summary>
    private static byte[] ElfCoreHeader(ulong at)
    {
        const int ehdr = 64, phdr = 56, noteOffset = 0x100, descSize = 336;
        int noteSize = 12 + 8 + descSize;
        var h = new byte[noteOffset + noteSize];
        Span<byte> s = h;
        "\u007fELF"u8.CopyTo(s);
        s[4] = 2; // ELFCLASS64
        s[5] = 1; // little-endian
        s[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 4); // ET_CORE
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62); // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], ehdr); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], ehdr);
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], phdr);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 1);
        Span<byte> p = s[ehdr..];
        BinaryPrimitives.WriteUInt32LittleEndian(p, 4); // PT_NOTE
        BinaryPrimitives.WriteUInt64LittleEndian(p[8..], at + noteOffset); // p_offset: a physical address in old memory
        BinaryPrimitives.WriteUInt64LittleEndian(p[32..], (ulong)noteSize); // p_filesz
        BinaryPrimitives.WriteUInt64LittleEndian(p[40..], (ulong)noteSize); // p_memsz
        Span<byte> n = s[noteOffset..];
        BinaryPrimitives.WriteUInt32LittleEndian(n, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(n[4..], descSize);
        BinaryPrimitives.WriteUInt32LittleEndian(n[8..], 1); // NT_PRSTATUS
        "CORE"u8.CopyTo(n[12..]);
        return h;
    }
}
