using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>request_key(type, description, NULL, dest)</c>: no callout, so a missing key is ENOKEY at once.</summary>
        internal static unsafe long RequestKey(byte* type, byte* description, int destination, out LinuxErrno errno) =>
            Syscall(KeyringSyscalls?.RequestKey, (nint)type, (nint)description, 0, destination, 0, out errno);
    }
}
