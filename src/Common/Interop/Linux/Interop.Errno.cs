using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// The <c>errno</c> the last import on this thread left (saved by the generated stub, as <c>SetLastError = true</c>
        /// asks). The one place errno is read: every caller gets it as <see cref="LinuxErrno"/>.
        /// </summary>
        internal static LinuxErrno GetLastErrno() => (LinuxErrno)Marshal.GetLastPInvokeError();
    }
}
