using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// The two file calls .NET has no race-free form of: <c>mkdir(2)</c> that fails when the name exists (EEXIST),
/// and <c>open(2)</c> with <c>O_NOFOLLOW | O_NONBLOCK</c>, so a planted symbolic link is refused (ELOOP) and a FIFO
/// cannot block the caller. Each returns the errno; nothing throws. The calls and flags are src/Common/Interop/Linux's.
/// </summary>
internal static class NativeFiles
{
    private const uint DirectoryMode = 0x1ed;    // 0755
    private const uint FileMode = 0x1a4;         // 0644

    /// <summary><c>mkdir(path, 0755)</c>.</summary>
    public static LinuxErrno MakeDirectory(string path) =>
        Interop.Libc.Mkdir(path, DirectoryMode) == 0 ? LinuxErrno.None : Interop.Libc.GetLastErrno();

    /// <summary>Opens an attribute for one read or one write, never following a final symbolic link and never blocking on a FIFO.</summary>
    /// <param name="path">The attribute's path.</param>
    /// <param name="write">Open for writing (truncating) rather than reading.</param>
    /// <param name="create">With <paramref name="write"/>: create a missing file, as a temporary imitation's item needs.</param>
    /// <param name="handle">The open file on success.</param>
    public static LinuxErrno OpenAttribute(string path, bool write, bool create, out SafeFileHandle handle)
    {
        int access = write ? Interop.Libc.O_WRONLY | Interop.Libc.O_TRUNC | (create ? Interop.Libc.O_CREAT : 0) : Interop.Libc.O_RDONLY;
        handle = Interop.Libc.Open(path, access | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_NONBLOCK, FileMode);
        return handle.IsInvalid ? Interop.Libc.GetLastErrno() : LinuxErrno.None;
    }
}
