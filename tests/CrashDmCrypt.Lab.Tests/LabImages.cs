using System.Diagnostics;
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
            string binary = NativeBinary();
            string output = Path.Combine(RepoPaths.Root, "artifacts", "lab", arch);
            Run("bash", Path.Combine(LabDir, "build-initramfs.sh"), arch, output, binary, kernel);
            set = new LabImageSet(arch, kernel, Path.Combine(output, "first.cpio.gz"), Path.Combine(output, "kdump.cpio.gz"), binary);
            Built[arch] = set;
            return set;
        }
    }

    /// <summary>
    /// The Native AOT crashdmcrypt that goes into the guests: CDC_LAB_BINARY when set (CI publishes it once),
    /// else published here by eng/publish-native.sh into artifacts/lab/native.
    /// </summary>
    public static string NativeBinary()
    {
        if (Environment.GetEnvironmentVariable("CDC_LAB_BINARY") is { Length: > 0 } given)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException("CDC_LAB_BINARY names no file", given);
        }

        string output = Path.Combine(RepoPaths.Root, "artifacts", "lab", "native");
        Run("bash", Path.Combine(RepoPaths.Root, "eng", "publish-native.sh"), output);
        return Path.Combine(output, "crashdmcrypt");
    }

    public static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        Task<string> err = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout}\n{err.Result}");
        }

        return stdout;
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Hex(string text) => Convert.ToHexStringLower(Encoding.UTF8.GetBytes(text));
}

/// <summary>What one architecture's lab boots: the kernel, the first kernel's and the kdump kernel's initramfs.</summary>
internal sealed record LabImageSet(string Arch, string Kernel, string FirstInitrd, string KdumpInitrd, string Binary);
