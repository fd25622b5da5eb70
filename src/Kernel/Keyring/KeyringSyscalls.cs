using System.Runtime.InteropServices;

namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// The raw <c>add_key</c>, <c>request_key</c> and <c>keyctl</c> system calls through libc's <c>syscall</c>:
/// glibc has no wrappers for them (those live in libkeyutils, which this project does not depend on).
/// Source-generated marshalling of blittable arguments only, so it works under Native AOT.
/// </summary>
internal static unsafe partial class KeyringSyscalls
{
    // KEYCTL_* operations, include/uapi/linux/keyctl.h.
    internal const int KeyctlGetKeyringId = 0;
    internal const int KeyctlJoinSessionKeyring = 1;
    internal const int KeyctlRevoke = 3;
    internal const int KeyctlClear = 7;
    internal const int KeyctlLink = 8;
    internal const int KeyctlUnlink = 9;
    internal const int KeyctlSearch = 10;
    internal const int KeyctlRead = 11;
    internal const int KeyctlSetTimeout = 15;
    internal const int KeyctlInvalidate = 21;

    private static readonly SyscallNumbers? Numbers = ForArchitecture(RuntimeInformation.ProcessArchitecture);

    /// <summary>
    /// The numbers from each architecture's syscall table (arch/*/entry/syscalls, include/uapi/asm-generic/unistd.h
    /// for the architectures that use the generic table), or null for an architecture not listed.
    /// </summary>
    internal static SyscallNumbers? ForArchitecture(Architecture architecture) => architecture switch
    {
        Architecture.X64 => new(248, 249, 250),
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => new(217, 218, 219),
        Architecture.X86 => new(286, 287, 288),
        Architecture.Arm or Architecture.Armv6 => new(309, 310, 311),
        Architecture.Ppc64le => new(269, 270, 271),
        Architecture.S390x => new(278, 279, 280),
        _ => null,
    };

    /// <summary><c>add_key(type, description, payload, plen, keyring)</c>: the new or updated key's serial, or -1.</summary>
    internal static long AddKey(byte* type, byte* description, byte* payload, nuint length, int keyring, out LinuxErrno errno) =>
        Call(static n => n.AddKey, (nint)type, (nint)description, (nint)payload, (nint)length, keyring, out errno);

    /// <summary><c>request_key(type, description, NULL, dest)</c>: no callout, so a missing key is ENOKEY at once.</summary>
    internal static long RequestKey(byte* type, byte* description, int destination, out LinuxErrno errno) =>
        Call(static n => n.RequestKey, (nint)type, (nint)description, 0, destination, 0, out errno);

    /// <summary><c>keyctl(operation, a2, a3, a4, a5)</c>.</summary>
    internal static long Keyctl(int operation, nint a2, nint a3, nint a4, nint a5, out LinuxErrno errno) =>
        Call(static n => n.Keyctl, operation, a2, a3, a4, a5, out errno);

    private static long Call(Func<SyscallNumbers, nint> pick, nint a1, nint a2, nint a3, nint a4, nint a5, out LinuxErrno errno)
    {
        if (Numbers is not { } numbers)
        {
            errno = LinuxErrno.ENOSYS;
            return -1;
        }

        long result = Syscall(pick(numbers), a1, a2, a3, a4, a5);
        errno = result == -1 ? (LinuxErrno)Marshal.GetLastPInvokeError() : LinuxErrno.None;
        return result;
    }

    // syscall(2) is variadic; on the ABIs .NET runs on, integer arguments of a variadic call travel as in a
    // fixed one, and glibc's syscall does not read the x86_64 vector-count register.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);

    /// <summary>The three keyring syscall numbers of one architecture.</summary>
    internal readonly record struct SyscallNumbers(nint AddKey, nint RequestKey, nint Keyctl);
}
