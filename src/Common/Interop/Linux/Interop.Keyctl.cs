using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // KEYCTL_* operations, include/uapi/linux/keyctl.h:40-61.
        internal const int KEYCTL_GET_KEYRING_ID = 0;
        internal const int KEYCTL_JOIN_SESSION_KEYRING = 1;
        internal const int KEYCTL_REVOKE = 3;
        internal const int KEYCTL_CLEAR = 7;
        internal const int KEYCTL_LINK = 8;
        internal const int KEYCTL_UNLINK = 9;
        internal const int KEYCTL_SEARCH = 10;
        internal const int KEYCTL_READ = 11;
        internal const int KEYCTL_SET_TIMEOUT = 15;
        internal const int KEYCTL_INVALIDATE = 21;

        /// <summary><c>keyctl(operation, a2, a3, a4, a5)</c>: the operation's result, or -1.</summary>
        internal static long Keyctl(int operation, nint a2, nint a3, nint a4, nint a5, out LinuxErrno errno) =>
            Syscall(KeyringSyscalls?.Keyctl, operation, a2, a3, a4, a5, out errno);
    }
}
