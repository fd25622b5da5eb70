namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 5's QEMU run, the real memory the audit is judged on: in the first kernel a volume's logon key
/// (kdump-utils name) opens a real dm-crypt mapping over a RAM disk (dm-crypt's `:64:logon:` key spec, so
/// dm-crypt and the AES code make their own copies and schedules), `provision` names it in configfs, and the
/// crash kernel is loaded twice (the second load frees the first heap `keys_header`:
/// kernel/crash_dump_dm_crypt.c:372-375). The host then dumps memory (ELF with VMCOREINFO).
/// </summary>
public sealed class RealDumpRun : IDisposable
{
    public const string Uuid = "3f1c9a7e-5b2d-4e8f-a6c1-0d9e7b3a5f42";
    public const string Description = "kdump-cryptsetup:vk-" + Uuid;

    /// <summary>The volume key: 64 bytes for aes-xts-plain64 (two AES-256 keys: data, then tweak).</summary>
    public static byte[] VolumeKey { get; } = MakeKey();

    private readonly Lazy<string> _dump;
    private LabMachine? _vm;

    public RealDumpRun() => _dump = new Lazy<string>(Execute);

    /// <summary>The ELF dump QEMU wrote (paging off; VMCOREINFO from -device vmcoreinfo).</summary>
    public string Dump => _dump.Value;

    public string Console => _vm?.Console ?? "";

    private static byte[] MakeKey()
    {
        var key = new byte[64];
        new Random(0x5eed).NextBytes(key);
        return key;
    }

    private string Execute()
    {
        LabImageSet images = LabImages.For("x86_64");
        string scenario = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-s5-").FullName, "scenario.cpio.gz");
        Cpio.Write(scenario, new Dictionary<string, byte[]> { ["lab/vk"] = VolumeKey });
        _vm = LabMachine.Start(images, LabImages.FirstCommandLine, 512, [scenario]);
        LabMachine vm = _vm;
        vm.WaitReady();
        vm.Must($"keyctl padd logon '{Description}' @u < /lab/vk");
        vm.Must($"crashdmcrypt provision {Uuid} --timeout 0");
        // dm-crypt reads the key from the keyring itself (drivers/md/dm-crypt.c crypt_set_keyring_key);
        // DM_DISABLE_UDEV makes libdevmapper create /dev/mapper nodes without udev.
        vm.Must($"DM_DISABLE_UDEV=1 dmsetup create labvol --table '0 8192 crypt aes-xts-plain64 :64:logon:{Description} 0 /dev/ram0 0'");
        vm.Must("dd if=/lab/vk of=/dev/mapper/labvol bs=64 count=1 conv=fsync 2>/dev/null && dd if=/dev/mapper/labvol of=/dev/null bs=4096 count=4 2>/dev/null");
        for (int load = 0; load < 2; load++)
        {
            vm.Must("kexec -s -p /kdump/kernel --initrd=/kdump/initrd --append='console=ttyS0 loglevel=4 nr_cpus=1'");
        }

        return vm.DumpMemory();
    }

    public void Dispose() => _vm?.Dispose();
}
