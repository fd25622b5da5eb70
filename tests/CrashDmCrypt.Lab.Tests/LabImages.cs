using System.Security.Cryptography;
using System.Text;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Finds the lab's cached kernel (built by lab/build-kernel.sh, keyed by the config fragments' hash, so a
/// changed fragment is never judged by a stale kernel) and builds the initramfs images once per test run
/// around the project's Native AOT binary.
/// </summary>
internal static class LabImages
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, LabImageSet> Built = [];

    public static string Cache =>
        Environment.GetEnvironmentVariable("CRASHDMCRYPT_LAB_CACHE") is { Length: > 0 } c ? c : "/var/cache/crashdmcrypt-lab";

    /// <summary>
    /// The first kernel's command line: the serial console, 160 MiB for the crash kernel, the fw_cfg driver's
    /// port (no ACPI in the lab kernel) so QEMU's -device vmcoreinfo gets VMCOREINFO for makedumpfile, and only
    /// warnings and worse on the console, so that kernel messages do not land inside a command's answer.
    /// </summary>
    public const string FirstCommandLine = "console=ttyS0 loglevel=4 crashkernel=160M qemu_fw_cfg.ioport=12@0x510:0:1:4";

    public static string LabDir => Path.Combine(RepoPaths.Root, "lab");

    public static string Qemu(string arch) => arch == "arm64" ? "qemu-system-aarch64" : "qemu-system-x86_64";

    /// <summary>The reason the lab cannot run for <paramref name="arch"/>, or null when it can.</summary>
    public static string? WhyMissing(string arch)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the lab needs Linux";
        }

        string qemu = Qemu(arch);
        if (!Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, qemu))))
        {
            return $"{qemu} is not installed; run lab/run.sh {arch} (installs it and builds the kernel)";
        }

        return KernelImage(arch) is null
            ? $"the lab's {arch} kernel for these config fragments is not built; run lab/run.sh {arch} (about 5 minutes on 2 cores, cached in {Cache})"
            : null;
    }

    /// <summary>The cached kernel image for this checkout's fragments (the same key lab/build-kernel.sh computes).</summary>
    public static string? KernelImage(string arch)
    {
        string key = FragmentHash(arch);
        string dir = Path.Combine(Cache, "kernel");
        if (!Directory.Exists(dir))
        {
            return null;
        }

        return Directory.GetDirectories(dir, $"{arch}-*-{key}")
            .Select(d => Path.Combine(d, "image"))
            .FirstOrDefault(File.Exists);
    }

    private static string FragmentHash(string arch)
    {
        var all = new MemoryStream();
        foreach (string part in new[] { "config/common.config", $"config/{arch}.config", "build-kernel.sh" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(LabDir, part));
            all.Write(bytes);
        }

        return Convert.ToHexStringLower(SHA256.HashData(all.ToArray()))[..12];
    }

    /// <summary>The kernel and both initramfs images, built on first use (seconds once the binary exists).</summary>
    public static LabImageSet For(string arch)
    {
        lock (Gate)
        {
            if (Built.TryGetValue(arch, out LabImageSet? set))
            {
                return set;
            }

            string kernel = KernelImage(arch) ?? throw new InvalidOperationException(WhyMissing(arch));
            string binary = NativeBinary(arch);
            string output = Path.Combine(RepoPaths.Root, "artifacts", "lab", arch);
            Run("bash", Path.Combine(LabDir, "build-initramfs.sh"), arch, output, binary, kernel);
            set = new LabImageSet(arch, kernel, Path.Combine(output, "first.cpio.gz"), Path.Combine(output, "kdump.cpio.gz"), binary);
            Built[arch] = set;
            return set;
        }
    }

    private static readonly Lazy<string> X64Binary = new(() => Published("CDC_LAB_BINARY", () =>
    {
        string output = Path.Combine(RepoPaths.Root, "artifacts", "lab", "native");
        Run("bash", Path.Combine(RepoPaths.Root, "eng", "publish-native.sh"), output);
        return Path.Combine(output, "crashdmcrypt");
    }));

    // The arm64 binary is what CrashDmCrypt.Tool.linux-arm64 ships: Native AOT cross-compiled with clang against
    // Debian's aarch64 sysroot (eng/pack.sh). Only the arm64 guests can run it (qemu-user cannot run a .NET binary).
    private static readonly Lazy<string> Arm64Binary = new(() => Published("CDC_LAB_BINARY_ARM64", () =>
    {
        LabInstall.Need("clang", "clang");
        LabInstall.Need("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu");

        // The sysroot's C runtime and libraries: only recommended by the cross compiler, so an install without
        // recommends (the kernel build's) leaves the link without crt1.o, -ldl, -lm (eng/pack.sh checks the same file).
        LabInstall.Need("/usr/aarch64-linux-gnu/lib/crt1.o", "libc6-dev-arm64-cross");
        string output = Path.Combine(RepoPaths.Root, "artifacts", "lab", "native-arm64");
        Run("dotnet", "publish", Path.Combine(RepoPaths.Root, "src", "Cli"), "-c", "Release", "-r", "linux-arm64", "-o", output, "-nologo", "-warnaserror", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        return Path.Combine(output, "crashdmcrypt");
    }));

    /// <summary>
    /// The Native AOT crashdmcrypt for the host and the x86_64 guests: CDC_LAB_BINARY when set (CI publishes it once),
    /// else published once per test run by eng/publish-native.sh into artifacts/lab/native.
    /// </summary>
    public static string NativeBinary() => X64Binary.Value;

    /// <summary>The binary that goes into ARCH's guests: the linux-arm64 one (CDC_LAB_BINARY_ARM64, else published once) on arm64.</summary>
    public static string NativeBinary(string arch) => arch == "arm64" ? Arm64Binary.Value : X64Binary.Value;

    private static string Published(string variable, Func<string> publish)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException(variable + " names no file", given);
        }

        return publish();
    }

    public static string Run(string file, params string[] args)
    {
        (int code, string stdout, string stderr) = ChildProcess.Run(file, args);
        return code == 0 ? stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}:\n{stdout}\n{stderr}");
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));
}

/// <summary>What one architecture's lab boots: the kernel, the first kernel's and the kdump kernel's initramfs.</summary>
internal sealed record LabImageSet(string Arch, string Kernel, string FirstInitrd, string KdumpInitrd, string Binary);
