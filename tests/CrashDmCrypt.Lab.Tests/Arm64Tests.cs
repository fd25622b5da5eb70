using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 7: the same life cycle on arm64 (qemu-system-aarch64 -M virt, TCG). kexec_file_load writes
/// /chosen/linux,dmcryptkeys and a reservation entry into the device tree it builds for the crash kernel
/// (drivers/of/kexec.c); the host finds that tree in the dump at the address the loader printed ("Loaded dtb
/// at"), and the project's device-tree reader must give the address libfdt (fdtget) gives, where the blob
/// the project builds for the same key sits byte for byte. The real arm64 kdump kernel then restores it. The
/// configfs item and the restore go through the linux-arm64 Native AOT binary (what CrashDmCrypt.Tool.linux-arm64
/// installs), so the arm64 tool package is run on a real arm64 kernel.
/// </summary>
public sealed partial class Arm64Tests(ITestOutputHelper output)
{
    private const string Description = "cryptsetup:arm64-lab";

    [LabFact("arm64")]
    public void The_arm64_kernel_hands_the_blob_over_in_the_device_tree_the_project_reads_and_restores_it()
    {
        LabInstall.Need("fdtget", "device-tree-compiler");
        LabImageSet images = LabImages.For("arm64");
        byte[] key = new byte[64];
        new Random(64).NextBytes(key);
        string work = Directory.CreateTempSubdirectory("cdc-lab-arm64-").FullName;
        string scenario = Path.Combine(work, "scenario.cpio.gz");
        Cpio.Write(scenario, new Dictionary<string, byte[]> { ["lab/k0"] = key });
        using var vm = LabMachine.Start(images, "console=ttyAMA0 crashkernel=160M", 512, [scenario]);
        vm.WaitReady();
        const string root = "/sys/kernel/config/crash_dm_crypt_keys";
        vm.Must($"labtool addkey logon {Description} /lab/k0");
        vm.Must($"crashdmcrypt configfs add vol '{Description}'");
        Assert.Equal($"vol\t{Description}", vm.Must("crashdmcrypt configfs list").Text.Trim());
        vm.Must("labtool load /kdump/kernel /kdump/initrd 'console=ttyAMA0 nr_cpus=1'");
        Match dtbAt = LoadedDtb().Match(vm.Console);
        Assert.True(dtbAt.Success, "the loader printed no \"Loaded dtb at\" line:\n" + vm.Tail());
        ulong dtbAddress = ulong.Parse(dtbAt.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        string dumpPath = vm.DumpMemory();

        vm.Send("echo c > /proc/sysrq-trigger");
        (string role, string cmdline) = vm.WaitReady();
        Assert.Equal("kdump", role);
        Assert.DoesNotContain("dmcryptkeys=", cmdline, StringComparison.Ordinal);
        vm.Must("crashdmcrypt configfs restore yes");
        Assert.Contains("data 310a", vm.Must($"labtool read {root}/restore").Text, StringComparison.Ordinal); // "1\n"
        var restored = LabKey.Parse(vm.Must("labtool keys")).Where(k => k.Type == "user").ToList();

        // The crash kernel's device tree, out of the first kernel's memory.
        var dump = new ElfDumpFile(dumpPath);
        byte[] header = dump.ReadPhysical(dtbAddress, 40);
        Assert.Equal(0xd00dfeedu, BinaryPrimitives.ReadUInt32BigEndian(header));
        int total = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
        string dtb = Path.Combine(work, "kdump.dtb");
        File.WriteAllBytes(dtb, dump.ReadPhysical(dtbAddress, total));

        JsonElement ours = LabCli.Json("dtb", dtb, "--json");
        ulong address = ours.GetProperty("address").GetUInt64();
        // libfdt's reading of the same property: #address-cells and #size-cells are 2 on -M virt.
        string[] cells = LabImages.Run("fdtget", "-t", "x", dtb, "/chosen", "linux,dmcryptkeys").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, cells.Length);
        ulong libfdtAddress = (ulong.Parse(cells[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) << 32) | ulong.Parse(cells[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        ulong libfdtSize = (ulong.Parse(cells[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture) << 32) | ulong.Parse(cells[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(libfdtAddress, address);
        Assert.Equal(libfdtSize, ours.GetProperty("size").GetUInt64());

        // The blob there is the one `build` writes for the same key, and the tree reserves exactly its bytes.
        string blobPath = Path.Combine(work, "blob.bin");
        (int code, _, string stderr) = LabCli.Run("build", "-o", blobPath, "-k", $"{Description}=hex:{Convert.ToHexStringLower(key)}");
        Assert.True(code == 0, stderr);
        byte[] blob = File.ReadAllBytes(blobPath);
        Assert.Equal((ulong)blob.Length, libfdtSize);
        Assert.Equal(Convert.ToHexStringLower(blob), Convert.ToHexStringLower(dump.ReadPhysical(address, blob.Length)));
        string dts = LabImages.Run("dtc", "-q", "-I", "dtb", "-O", "dts", dtb);
        var reserved = MemReserve().Matches(dts).Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value}").ToList();
        output.WriteLine("reservation map: " + string.Join("; ", reserved));
        Assert.Contains($"{address:x16} {blob.Length:x16}", reserved);
        output.WriteLine($"dtb at 0x{dtbAddress:x} ({total} bytes); linux,dmcryptkeys = 0x{address:x} + 0x{libfdtSize:x}");

        // The real arm64 kdump kernel restored the key from that address.
        var expectedKey = Assert.Single(restored);
        Assert.Equal(Description, expectedKey.DescriptionText);
        Assert.Equal(Convert.ToHexStringLower(key), Convert.ToHexStringLower(expectedKey.Payload));
        Directory.Delete(work, recursive: true);
    }

    [LabFact("arm64")]
    public void The_arm64_binary_reads_kdump_pages_of_every_method_as_the_x86_64_one_does()
    {
        // The fuzz corpus's kdump dumps (a blob in a page, compressible and zero pages; 64-bit little-endian and 32-bit
        // big-endian), scanned by the linux-arm64 binary on the arm64 kernel and by the host's: the same findings. The
        // guest has no libz, libzstd or libsnappy, so its zlib and zstd pages go through the managed fallbacks and its
        // snappy pages through the tool's own decoder (vector steps: NEON there, SSE here); LZO needs liblzo2, which
        // the guest lacks, so its dumps are left out.
        LabImageSet images = LabImages.For("arm64");
        string corpus = Path.Combine(RepoPaths.Root, "src", "Fuzz", "corpus", "dump-kdump");
        string[] names = [.. Directory.GetFiles(corpus).Select(Path.GetFileName).OfType<string>().Where(n => !n.Contains("lzo", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.Contains("gen-snappy-64le", names);
        Assert.Contains("gen-snappy-32be", names);
        string work = Directory.CreateTempSubdirectory("cdc-lab-arm64-scan-").FullName;
        string scenario = Path.Combine(work, "scenario.cpio.gz");
        Cpio.Write(scenario, names.ToDictionary(n => "lab/dumps/" + n, n => File.ReadAllBytes(Path.Combine(corpus, n))));
        using var vm = LabMachine.Start(images, "console=ttyAMA0", 512, [scenario]);
        vm.WaitReady();
        foreach (string name in names)
        {
            // The guest's console is a terminal: the progress line on standard error would run into the JSON.
            LabResult guest = vm.Run($"crashdmcrypt scan /lab/dumps/{name} --json 2>/dev/null");
            (int hostCode, string hostJson, string hostError) = LabCli.Run("scan", Path.Combine(corpus, name), "--json");
            Assert.True(hostCode is 0 or 1, hostError);
            Assert.Equal(hostCode, guest.ExitCode);
            string ours = Findings(hostJson);
            Assert.Equal(ours, Findings(guest.Text));
            Assert.Contains("\"kind\":\"blob\"", ours, StringComparison.Ordinal);
            output.WriteLine($"{name}: exit {hostCode}, {ours.Length} bytes of findings alike");
        }

        Directory.Delete(work, recursive: true);

        // The findings and errors, compact, without the file names (the guest's path is not the host's).
        static string Findings(string json)
        {
            using var document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            var findings = root.GetProperty("findings").EnumerateArray()
                .Select(f => string.Join(',', f.EnumerateObject().Where(p => p.Name != "file").Select(p => $"\"{p.Name}\":{JsonSerializer.Serialize(p.Value)}")));
            return "[" + string.Join(';', findings) + "] errors " + JsonSerializer.Serialize(root.GetProperty("errors")) + " count " + root.GetProperty("findingCount").GetInt32();
        }
    }

    [GeneratedRegex(@"/memreserve/\s+0x([0-9a-f]+)\s+0x([0-9a-f]+);")]
    private static partial Regex MemReserve();

    [GeneratedRegex(@"Loaded dtb at 0x([0-9a-fA-F]+)")]
    private static partial Regex LoadedDtb();
}
