using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// The few libc calls .NET has no race-free form of: <c>mkdir(2)</c> that fails when the name exists (EEXIST),
/// and <c>open(2)</c> with <c>O_NOFOLLOW | O_NONBLOCK</c>, so a planted symbolic link is refused (ELOOP) and a FIFO
/// cannot block the caller. Each returns the errno; nothing throws.
/// </summary>
internal static partial class NativeFiles
{
    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int Create = 0x40;
    private const int Truncate = 0x200;
    private const int NonBlock = 0x800;
    private const int CloseOnExec = 0x80000;

    // O_NOFOLLOW is 0400000 in the generic ABI (x86_64, s390x, riscv64, loongarch64) and 0100000 on arm, arm64 and powerpc.
    private static readonly int NoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Ppc64le
        ? 0x8000
        : 0x20000;

    /// <summary><c>mkdir(path, 0755)</c>.</summary>
    public static LinuxErrno MakeDirectory(string path) =>
        NativeMkdir(path, Convert.ToUInt32("755", 8)) == 0 ? LinuxErrno.None : (LinuxErrno)Marshal.GetLastPInvokeError();

    /// <summary>Opens an attribute for one read or one write, never following a final symbolic link and never blocking on a FIFO.</summary>
    /// <param name="path">The attribute's path.</param>
    /// <param name="write">Open for writing (truncating) rather than reading.</param>
    /// <param name="create">With <paramref name="write"/>: create a missing file, as a temporary imitation's item needs.</param>
    /// <param name="handle">The open file on success.</param>
    public static LinuxErrno OpenAttribute(string path, bool write, bool create, out SafeFileHandle handle)
    {
        int access = write ? WriteOnly | Truncate | (create ? Create : 0) : ReadOnly;
        int flags = access | NoFollow | NonBlock | CloseOnExec;
        int fd = NativeOpen(path, flags, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            handle = new SafeFileHandle();
            return (LinuxErrno)Marshal.GetLastPInvokeError();
        }

        handle = new SafeFileHandle(fd, ownsHandle: true);
        return LinuxErrno.None;
    }

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeMkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int NativeOpen(string path, int flags, int mode);
}
