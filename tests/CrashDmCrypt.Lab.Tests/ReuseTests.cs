using System.Globalization;
using System.Text.RegularExpressions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// The reuse path on the real x86_64 kernel. While a crash image is loaded, x86 unmaps the blob's pages
/// (<c>kexec_mark_dm_crypt_keys</c>, arch/x86/kernel/machine_kexec_64.c:648-674), and the reuse copy reads them
/// between <c>arch_kexec_unprotect_crashkres</c> and <c>arch_kexec_protect_crashkres</c>
/// (kernel/crash_dump_dm_crypt.c:91, :98). The kernel model has no page protection (spec/FORMAT.md deviation D6):
/// this is the check that it needs none, since the copy reads the same bytes and the reload hands on the same keys.
/// </summary>
public sealed partial class ReuseTests
{
    private static readonly (string Item, string Description, byte[] Key)[] Keys =
    [
        ("a", "cryptsetup:lab-reuse-a", Bytes(64, 0x21)),
        ("b", "cryptsetup:lab-reuse-b", Bytes(32, 0x42)),
    ];

    private static byte[] Bytes(int length, byte seed)
    {
        var key = new byte[length];
        new Random(seed).NextBytes(key);
        return key;
    }

    [LabFact]
    public void The_reuse_copy_reads_the_unmapped_blob_and_a_reload_without_logon_keys_hands_the_same_keys_on()
    {
        LabImageSet images = LabImages.For("x86_64");
        string scenario = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-reuse-").FullName, "scenario.cpio.gz");
        Cpio.Write(scenario, new Dictionary<string, byte[]> { ["lab/k0"] = Keys[0].Key, ["lab/k1"] = Keys[1].Key });
        using var vm = LabMachine.Start(images, LabImages.FirstCommandLine, 512, [scenario]);
        vm.WaitReady();
        for (int i = 0; i < Keys.Length; i++)
        {
            vm.Must($"keyctl padd logon '{Keys[i].Description}' @u < /lab/k{i}");
            vm.Must($"crashdmcrypt configfs add {Keys[i].Item} '{Keys[i].Description}'");
        }

        vm.Must("kexec -s -p /kdump/kernel --initrd=/kdump/initrd --append='console=ttyS0 loglevel=4 nr_cpus=1'");

        // The logon keys go, so a reload can only succeed from the copy reuse takes of the (unmapped) blob.
        vm.Must("keyctl clear @u");
        LabResult reuse = vm.Run("labtool write /sys/kernel/config/crash_dm_crypt_keys/reuse 310a");
        Assert.Contains(reuse.Answers, a => a.StartsWith("write ", StringComparison.Ordinal) && a.Contains(" errno 0", StringComparison.Ordinal));
        vm.Must("kexec -s -p /kdump/kernel --initrd=/kdump/initrd --append='console=ttyS0 loglevel=4 nr_cpus=1'");
        string dump = vm.DumpMemory();
        Assert.DoesNotMatch(Oops(), vm.Console);

        vm.Send("echo c > /proc/sysrq-trigger");
        (string role, string cmdline) = vm.WaitReady();
        Assert.Equal("kdump", role);
        Match address = DmCryptKeys().Match(cmdline);
        Assert.True(address.Success, "no dmcryptkeys= on the kdump kernel's command line: " + cmdline);

        // The reloaded blob is what `build` writes for the keys (the model's prediction), at the new address.
        string blobPath = Path.Combine(Path.GetDirectoryName(scenario)!, "blob.bin");
        (int code, _, string stderr) = LabCli.Run(
            "build", "-o", blobPath,
            "-k", $"{Keys[0].Description}=hex:{Convert.ToHexStringLower(Keys[0].Key)}",
            "-k", $"{Keys[1].Description}=hex:{Convert.ToHexStringLower(Keys[1].Key)}");
        Assert.True(code == 0, stderr);
        byte[] expected = File.ReadAllBytes(blobPath);
        ulong at = ulong.Parse(address.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(new ElfDumpFile(dump).ReadPhysical(at, expected.Length)));

        vm.Must("crashdmcrypt configfs restore yes");
        var restored = LabKey.Parse(vm.Must("labtool keys")).Where(k => k.Type == "user").OrderBy(k => k.DescriptionText, StringComparer.Ordinal).ToList();
        Assert.Equal(Keys.Select(k => k.Description), restored.Select(k => k.DescriptionText));
        for (int i = 0; i < Keys.Length; i++)
        {
            Assert.Equal(Convert.ToHexStringLower(Keys[i].Key), Convert.ToHexStringLower(restored[i].Payload));
        }
    }

    [GeneratedRegex(@"dmcryptkeys=0x([0-9a-fA-F]+)")]
    private static partial Regex DmCryptKeys();

    [GeneratedRegex(@"BUG:|Oops|general protection fault|unable to handle page fault")]
    private static partial Regex Oops();
}
