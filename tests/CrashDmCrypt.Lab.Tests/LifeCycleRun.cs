using System.Globalization;
using System.Text.RegularExpressions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenarios 1 and 2 in one QEMU run: in the first kernel the project's binary provisions two volumes' logon
/// keys (kdump-utils names) and names a third key with `configfs add`; kexec-tools' `kexec -s -p` loads the
/// crash kernel; the host dumps memory; a sysrq crash boots the kdump kernel, which is asked to restore.
/// Run once per test class, lazily, so a skipped lab costs nothing.
/// </summary>
public sealed partial class LifeCycleRun : IDisposable
{
    public static readonly string[] Uuids = ["7d26b7b4-e342-4d2d-b660-7426b0996720", "0b9a3c55-1f0e-4c1e-9d7a-5c2f8e4b1a90"];
    public const string ExtraDescription = "cryptsetup:lab-extra";

    private readonly Lazy<Result> _result;

    public LifeCycleRun() => _result = new Lazy<Result>(Execute);

    public Result Get => _result.Value;

    /// <summary>The volume keys in configfs order: provision's two, then the item `configfs add` made.</summary>
    public static (string Description, byte[] Key)[] Keys { get; } =
    [
        ("kdump-cryptsetup:vk-" + Uuids[0], Pattern(64, 0x11)),
        ("kdump-cryptsetup:vk-" + Uuids[1], Pattern(32, 0x5a)),
        (ExtraDescription, Pattern(48, 0xc3)),
    ];

    private static byte[] Pattern(int length, byte seed)
    {
        // Distinct, non-repeating bytes, so a search of the dump for a key cannot hit anything else.
        var random = new Random(seed);
        var key = new byte[length];
        random.NextBytes(key);
        return key;
    }

    public sealed record Result(
        string Dump,
        ulong BlobAddress,
        string KdumpCommandLine,
        string ProvisionJson,
        string ConfigfsList,
        string RestoreAnswer,
        IReadOnlyList<LabKey> RestoredKeys,
        string FirstConsole,
        TimeSpan Elapsed);

    private Result Execute()
    {
        var started = DateTime.UtcNow;
        LabImageSet images = LabImages.For("x86_64");
        string scenario = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-s1-").FullName, "scenario.cpio.gz");
        Cpio.Write(scenario, new Dictionary<string, byte[]>
        {
            ["lab/k0"] = Keys[0].Key,
            ["lab/k1"] = Keys[1].Key,
            ["lab/k2"] = Keys[2].Key,
        });

        var vm = LabMachine.Start(images, LabImages.FirstCommandLine, 512, [scenario]);
        _vm = vm;
        vm.WaitReady();
        for (int i = 0; i < Keys.Length; i++)
        {
            vm.Must($"keyctl padd logon '{Keys[i].Description}' @u < /lab/k{i}");
        }

        string provision = vm.Run($"crashdmcrypt provision {Uuids[0]} {Uuids[1]} --json").Text;
        vm.Must($"crashdmcrypt configfs add extra '{ExtraDescription}'");
        string list = vm.Must("crashdmcrypt configfs list").Text;
        vm.Must("kexec -s -p /kdump/kernel --initrd=/kdump/initrd --append='console=ttyS0 loglevel=4 nr_cpus=1'");
        string dump = vm.DumpMemory();
        string firstConsole = vm.Console;
        vm.Send("echo c > /proc/sysrq-trigger");
        (string role, string cmdline) = vm.WaitReady();
        Assert.Equal("kdump", role);
        Match address = DmCryptKeys().Match(cmdline);
        Assert.True(address.Success, "no dmcryptkeys= on the kdump kernel's command line: " + cmdline);
        string restore = vm.Run("crashdmcrypt configfs restore yes; labtool read /sys/kernel/config/crash_dm_crypt_keys/restore").Text;
        IReadOnlyList<LabKey> keys = LabKey.Parse(vm.Must("labtool keys"));
        return new Result(dump, ulong.Parse(address.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            cmdline, provision, list, restore, keys, firstConsole, DateTime.UtcNow - started);
    }

    private LabMachine? _vm;

    public void Dispose() => _vm?.Dispose();

    [GeneratedRegex(@"dmcryptkeys=0x([0-9a-fA-F]+)")]
    private static partial Regex DmCryptKeys();
}
