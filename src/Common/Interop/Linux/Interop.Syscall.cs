using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>syscall(number, a1, a2, a3, a4, a5)</c> for the calls glibc has no wrapper for: the result, or -1 with
        /// <paramref name="errno"/> set (<see cref="LinuxErrno.None"/> otherwise). An unknown number is ENOSYS, as the
        /// kernel says for a call it lacks.
        /// </summary>
        internal static long Syscall(nint? number, nint a1, nint a2, nint a3, nint a4, nint a5, out LinuxErrno errno)
        {
            if (number is not { } known)
            {
                errno = LinuxErrno.ENOSYS;
                return -1;
            }

            long result = SyscallImport(known, a1, a2, a3, a4, a5);
            errno = result == -1 ? GetLastErrno() : LinuxErrno.None;
            return result;
        }

        // syscall(2) is variadic; on the ABIs .NET runs on, integer arguments of a variadic call travel as in a
        // fixed one, and glibc's syscall does not read the x86_64 vector-count register.
        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        private static partial nint SyscallImport(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);
    }
}
