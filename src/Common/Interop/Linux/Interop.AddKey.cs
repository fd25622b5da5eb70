using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// <c>add_key(type, description, payload, plen, keyring)</c> (glibc has no wrapper; libkeyutils has, and the
        /// project does not depend on it): the new or updated key's serial, or -1. The payload is read from the
        /// caller's memory: no managed copy of key material.
        /// </summary>
        internal static unsafe long AddKey(byte* type, byte* description, byte* payload, nuint length, int keyring, out LinuxErrno errno) =>
            Syscall(KeyringSyscalls?.AddKey, (nint)type, (nint)description, (nint)payload, (nint)length, keyring, out errno);
    }
}
