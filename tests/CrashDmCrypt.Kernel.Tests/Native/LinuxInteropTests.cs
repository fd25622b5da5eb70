using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CrashDmCrypt.Kernel;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Kernel.Tests.Native;

/// <summary>
/// The one home of the Linux calls, src/Common/Interop/Linux: the open flags of each architecture against the kernel's
/// uapi headers, the flag policy (close-on-exec always, no-follow where asked), and no native import anywhere else.
/// </summary>
public sealed partial class LinuxInteropTests : IDisposable
{
    private const string Home = "src/Common/Interop/Linux";
    private const string KernelSource = "/var/cache/crashdmcrypt-lab/source/linux-source-7.2";
    private const string GenericFcntl = KernelSource + "/include/uapi/asm-generic/fcntl.h";

    private readonly TempDirectory _dir = new();

    /// <summary>
    /// O_NOFOLLOW of each architecture .NET runs Linux on, as Linux 7.2.13 defines it. x86, s390, riscv and loongarch
    /// have no arch/*/include/uapi/asm/fcntl.h and take the generic header (include/uapi/asm-generic/Kbuild:11).
    /// </summary>
    public static TheoryData<Architecture, int, string> NoFollow => new()
    {
        { Architecture.X64, 1 << 17, "include/uapi/asm-generic/fcntl.h:60" },
        { Architecture.X86, 1 << 17, "include/uapi/asm-generic/fcntl.h:60" },
        { Architecture.S390x, 1 << 17, "include/uapi/asm-generic/fcntl.h:60" },
        { Architecture.RiscV64, 1 << 17, "include/uapi/asm-generic/fcntl.h:60" },
        { Architecture.LoongArch64, 1 << 17, "include/uapi/asm-generic/fcntl.h:60" },
        { Architecture.Arm64, 1 << 15, "arch/arm64/include/uapi/asm/fcntl.h:24" },
        { Architecture.Arm, 1 << 15, "arch/arm/include/uapi/asm/fcntl.h:6" },
        { Architecture.Armv6, 1 << 15, "arch/arm/include/uapi/asm/fcntl.h:6" },
        { Architecture.Ppc64le, 1 << 15, "arch/powerpc/include/uapi/asm/fcntl.h:6" },
    };

    /// <summary>The flags that are the same on all of them: include/uapi/asm-generic/fcntl.h, not redefined by arm, arm64 or powerpc.</summary>
    public static TheoryData<string, int, int> CommonFlags => new()
    {
        { "O_WRONLY", Interop.Libc.O_WRONLY, 20 },
        { "O_CREAT", Interop.Libc.O_CREAT, 27 },
        { "O_NOCTTY", Interop.Libc.O_NOCTTY, 33 },
        { "O_TRUNC", Interop.Libc.O_TRUNC, 36 },
        { "O_NONBLOCK", Interop.Libc.O_NONBLOCK, 42 },
        { "O_CLOEXEC", Interop.Libc.O_CLOEXEC, 66 },
    };

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(NoFollow))]
    public void O_NOFOLLOW_is_each_architectures_own(Architecture architecture, int expected, string header)
    {
        Assert.True(expected == Interop.Libc.NoFollowFor(architecture), $"{architecture}: {header}");
        Assert.Equal(0, Interop.Libc.NoFollowFor(architecture) & (Interop.Libc.O_CLOEXEC | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CREAT | Interop.Libc.O_TRUNC | Interop.Libc.O_NOCTTY));
    }

    [Fact]
    public void This_process_uses_the_value_of_its_own_architecture() =>
        Assert.Equal(Interop.Libc.NoFollowFor(RuntimeInformation.ProcessArchitecture), Interop.Libc.O_NOFOLLOW);

    [FileTheory(GenericFcntl)]
    [MemberData(nameof(NoFollow))]
    public void The_O_NOFOLLOW_table_is_what_the_kernel_headers_say(Architecture architecture, int expected, string header)
    {
        string[] parts = header.Split(':');
        Assert.Equal(expected, DefinedShift(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), "O_NOFOLLOW"));
        if (parts[0].StartsWith("include/", StringComparison.Ordinal))
        {
            string arch = architecture switch
            {
                Architecture.X64 or Architecture.X86 => "x86",
                Architecture.S390x => "s390",
                Architecture.RiscV64 => "riscv",
                _ => "loongarch",
            };
            Assert.False(File.Exists(Path.Combine(KernelSource, "arch", arch, "include/uapi/asm/fcntl.h")), arch + " has its own fcntl.h");
        }
    }

    [FileTheory(GenericFcntl)]
    [MemberData(nameof(CommonFlags))]
    public void The_common_flags_are_the_generic_headers_and_no_architecture_here_moves_them(string name, int value, int line)
    {
        Assert.Equal(value, DefinedShift("include/uapi/asm-generic/fcntl.h", line, name));
        foreach (string arch in new[] { "arm", "arm64", "powerpc" })
        {
            string text = File.ReadAllText(Path.Combine(KernelSource, "arch", arch, "include/uapi/asm/fcntl.h"));
            Assert.DoesNotMatch(new Regex(@"#define\s+" + name + @"\b"), text);
        }
    }

    [LinuxFact("open(2) and /proc/self/fdinfo")]
    public void Every_open_is_close_on_exec()
    {
        string file = Path.Combine(_dir.Path, "file");
        File.WriteAllText(file, "x");
        using SafeFileHandle handle = Interop.Libc.Open(file, Interop.Libc.O_RDONLY);
        Assert.False(handle.IsInvalid);

        // fdinfo's "flags:" is the file's f_flags in octal, O_CLOEXEC included (fs/proc/fd.c, seq_show).
        string info = File.ReadAllText($"/proc/self/fdinfo/{handle.DangerousGetHandle()}");
        int flags = Convert.ToInt32(FdInfoFlags().Match(info).Groups[1].Value, 8);
        Assert.Equal(Interop.Libc.O_CLOEXEC, flags & Interop.Libc.O_CLOEXEC);
    }

    [LinuxFact("open(2) and symbolic links")]
    public void O_NOFOLLOW_refuses_a_final_symbolic_link_and_plain_open_follows_it()
    {
        string target = Path.Combine(_dir.Path, "target");
        string link = Path.Combine(_dir.Path, "link");
        File.WriteAllText(target, "x");
        File.CreateSymbolicLink(link, target);

        using SafeFileHandle refused = Interop.Libc.Open(link, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW);
        Assert.True(refused.IsInvalid);
        Assert.Equal(LinuxErrno.ELOOP, Interop.Libc.GetLastErrno());

        using SafeFileHandle followed = Interop.Libc.Open(link, Interop.Libc.O_RDONLY);
        Assert.False(followed.IsInvalid);
    }

    [Theory]
    [InlineData(Architecture.X64, 248, 249, 250)]
    [InlineData(Architecture.Arm64, 217, 218, 219)]
    [InlineData(Architecture.RiscV64, 217, 218, 219)]
    [InlineData(Architecture.LoongArch64, 217, 218, 219)]
    [InlineData(Architecture.X86, 286, 287, 288)]
    [InlineData(Architecture.Arm, 309, 310, 311)]
    [InlineData(Architecture.Armv6, 309, 310, 311)]
    [InlineData(Architecture.Ppc64le, 269, 270, 271)]
    [InlineData(Architecture.S390x, 278, 279, 280)]
    public void Keyring_syscall_numbers_come_from_each_architectures_table(Architecture architecture, int addKey, int requestKey, int keyctl) =>
        Assert.Equal(new Interop.Libc.KeyringSyscallNumbers(addKey, requestKey, keyctl), Interop.Libc.KeyringSyscallsFor(architecture));

    [Fact]
    public void An_architecture_without_a_table_has_no_numbers_and_its_calls_say_ENOSYS()
    {
        Assert.Null(Interop.Libc.KeyringSyscallsFor(Architecture.Wasm));
        Assert.Equal(-1, Interop.Libc.Syscall(null, 0, 0, 0, 0, 0, out LinuxErrno errno));
        Assert.Equal(LinuxErrno.ENOSYS, errno);
    }

    [Fact]
    public void No_native_import_errno_read_or_libc_name_lives_outside_the_home()
    {
        var offenders = new List<string>();
        foreach (string file in SourceFiles())
        {
            string relative = Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');
            if (relative.StartsWith(Home + "/", StringComparison.Ordinal))
            {
                continue;
            }

            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (OutsideTheHome().IsMatch(lines[i]))
                {
                    offenders.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "native imports, errno reads or libc outside " + Home + ":\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void The_home_holds_one_function_per_file_each_import_saving_errno()
    {
        string[] files = Directory.GetFiles(Path.Combine(RepoPaths.Root, Home), "*.cs");
        Assert.NotEmpty(files);
        int imports = 0;
        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file)["Interop.".Length..];
            string text = File.ReadAllText(file);
            MatchCollection found = Import().Matches(text);
            Assert.True(found.Count <= 1, $"{name}: {found.Count} imports in one file");
            foreach (Match import in found)
            {
                imports++;
                Assert.Contains("SetLastError = true", import.Groups["attribute"].Value, StringComparison.Ordinal);
                Assert.Contains("Libraries.Libc", import.Groups["attribute"].Value, StringComparison.Ordinal);
                Assert.True(import.Groups["method"].Value == name || import.Groups["method"].Value == name + "Import", $"{name} declares {import.Groups["method"].Value}");
            }
        }

        Assert.True(imports >= 20, $"{imports} imports found: the pattern no longer matches the home's files");
    }

    private static IEnumerable<string> SourceFiles()
    {
        foreach (string top in new[] { "src", "tests", "bench", "tools" })
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, top), "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(RepoPaths.Root, file).Replace('\\', '/');
                if (!relative.Contains("/obj/", StringComparison.Ordinal) && !relative.Contains("/bin/", StringComparison.Ordinal))
                {
                    yield return file;
                }
            }
        }
    }

    // The value of `#define NAME (1 << n)` or `#define NAME 0` at a header's line.
    private static int DefinedShift(string header, int line, string name)
    {
        string text = File.ReadAllLines(Path.Combine(KernelSource, header))[line - 1];
        Match match = Define().Match(text);
        Assert.True(match.Success && match.Groups[1].Value == name, $"{header}:{line} is \"{text}\", not {name}");
        return 1 << int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^#define\s+(\w+)\s+\(1 << (\d+)\)")]
    private static partial Regex Define();

    [GeneratedRegex(@"^flags:\s+([0-7]+)", RegexOptions.Multiline)]
    private static partial Regex FdInfoFlags();

    // An import attribute (with or without its namespace and Attribute suffix), an extern method, an errno
    // read or the C library's name.
    [GeneratedRegex(@"[\[.](DllImport|LibraryImport)(Attribute)?\s*[(\]]|\bstatic\s+extern\b|Marshal\.(GetLastPInvokeError|GetLastWin32Error|GetLastSystemError|GetPInvokeErrorMessage)\b|""libc(\.so[.0-9]*)?""")]
    private static partial Regex OutsideTheHome();

    [GeneratedRegex(@"\[(?:LibraryImport)\((?<attribute>[^\]]*)\)\]\s*(?://[^\n]*\n\s*)*(?:internal|private) static (?:unsafe )?partial [\w*.<>]+ (?<method>\w+)\(")]
    private static partial Regex Import();
}
