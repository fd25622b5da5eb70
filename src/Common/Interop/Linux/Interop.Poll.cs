using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Data to read (include/uapi/asm-generic/poll.h:6).</summary>
        internal const short POLLIN = 0x1;

        /// <summary><c>poll(fds, count, timeout)</c>: the number of ready descriptors, 0 on time-out, -1 on error.</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
        internal static partial int Poll(Span<PollFd> fds, nuint count, int timeoutMilliseconds);

        /// <summary><c>struct pollfd</c> of poll(2); a negative <see cref="Fd"/> is skipped.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct PollFd(int fd, short events)
        {
            public int Fd = fd;
            public short Events = events;
            public short Revents;
        }
    }
}
