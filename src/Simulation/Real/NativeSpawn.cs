using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// Runs a program through libc's <c>posix_spawn</c> (src/Common/Interop/Linux) with pipes on its stdin, stdout, stderr and fd 3. It stands
/// in for <c>System.Diagnostics.Process</c>, which on Linux pulls System.IO.Pipes and the socket engine into the
/// Native AOT binary (about 0.8 MB). Secrets go from the caller's span straight into a pipe: no managed copy.
/// </summary>
internal static class NativeSpawn
{
    /// <summary>Bytes kept of each of stdout and stderr; the rest is read and dropped.</summary>
    internal const int CaptureLimit = 64 * 1024;

    /// <summary>The most bytes of each input: one page fits an empty pipe, so the writes never block (pipe(7)).</summary>
    internal const int InputLimit = 4096;

    /// <summary>The child's fd that reads <c>extraInput</c>.</summary>
    internal const int ExtraInputFd = 3;

    /// <summary>
    /// Runs <paramref name="path"/> (absolute) with <paramref name="arguments"/> (argv[1..]) and the current
    /// environment plus <paramref name="environment"/> (<c>NAME=value</c>, replacing a variable of that name).
    /// Writes <paramref name="standardInput"/> to its stdin and, when not empty, <paramref name="extraInput"/> to
    /// its fd <see cref="ExtraInputFd"/>, then closes both; captures stdout and stderr; kills it with <c>SIGKILL</c>
    /// after <paramref name="timeout"/>. Returns a failed result with errno when a libc call fails; never throws on
    /// the child's behaviour.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An input is longer than <see cref="InputLimit"/>.</exception>
    internal static SpawnResult Run(
        string path,
        IReadOnlyList<string> arguments,
        IReadOnlyList<string> environment,
        ReadOnlySpan<byte> standardInput,
        ReadOnlySpan<byte> extraInput,
        TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(standardInput.Length, InputLimit, nameof(standardInput));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(extraInput.Length, InputLimit, nameof(extraInput));
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;

        // [read, write] of each pipe; -1 when not open.
        Span<int> stdin = [-1, -1];
        Span<int> stdout = [-1, -1];
        Span<int> stderr = [-1, -1];
        Span<int> extra = [-1, -1];
        nint argv = 0, envp = 0, fileName = 0;
        nint actions = 0, attributes = 0, signals = 0;
        int pid = 0;
        try
        {
            if (Pipe(stdin) is var e1 && e1 != LinuxErrno.None)
            {
                return SpawnResult.Failed("pipe2", e1);
            }

            if (Pipe(stdout) is var e2 && e2 != LinuxErrno.None)
            {
                return SpawnResult.Failed("pipe2", e2);
            }

            if (Pipe(stderr) is var e3 && e3 != LinuxErrno.None)
            {
                return SpawnResult.Failed("pipe2", e3);
            }

            if (!extraInput.IsEmpty && Pipe(extra) is var e4 && e4 != LinuxErrno.None)
            {
                return SpawnResult.Failed("pipe2", e4);
            }

            fileName = Marshal.StringToCoTaskMemUTF8(path);
            argv = StringArray([path, .. arguments]);
            envp = StringArray(ChildEnvironment(environment));

            // The pipes are close-on-exec; dup2 clears that flag on the child's copies at 0 to 3.
            actions = Marshal.AllocHGlobal(Interop.Libc.PosixSpawnFileActionsSize);
            LinuxErrno error = Interop.Libc.PosixSpawnFileActionsInit(actions);
            if (error != LinuxErrno.None)
            {
                Marshal.FreeHGlobal(actions);
                actions = 0;
                return SpawnResult.Failed("posix_spawn_file_actions_init", error);
            }

            error = AddDup2(actions, stdin[0], 0, stdout[1], 1, stderr[1], 2);
            if (error == LinuxErrno.None && !extraInput.IsEmpty)
            {
                error = Interop.Libc.PosixSpawnFileActionsAddDup2(actions, extra[0], ExtraInputFd);
            }

            if (error != LinuxErrno.None)
            {
                return SpawnResult.Failed("posix_spawn_file_actions_adddup2", error);
            }

            // The runtime ignores SIGPIPE and may block signals; an ignored signal stays ignored across exec.
            attributes = Marshal.AllocHGlobal(Interop.Libc.PosixSpawnAttrSize);
            signals = Marshal.AllocHGlobal(Interop.Libc.SigSetSize);
            error = Interop.Libc.PosixSpawnAttrInit(attributes);
            if (error != LinuxErrno.None)
            {
                Marshal.FreeHGlobal(attributes);
                attributes = 0;
                return SpawnResult.Failed("posix_spawnattr_init", error);
            }

            error = SetSignalDefaults(attributes, signals);
            if (error != LinuxErrno.None)
            {
                return SpawnResult.Failed("posix_spawnattr_setsigdefault", error);
            }

            error = Interop.Libc.PosixSpawn(out pid, fileName, actions, attributes, argv, envp);
            if (error != LinuxErrno.None)
            {
                pid = 0;
                return SpawnResult.Failed("posix_spawn", error);
            }

            CloseAll(ref stdin[0], ref stdout[1], ref stderr[1], ref extra[0]);

            // An error (EPIPE): the child exited before reading everything; its exit code and message say why.
            _ = WriteAll(stdin[1], standardInput);
            Close(ref stdin[1]);
            if (!extraInput.IsEmpty)
            {
                _ = WriteAll(extra[1], extraInput);
                Close(ref extra[1]);
            }

            var output = new Capture();
            var errors = new Capture();
            bool inTime = Drain(stdout[0], stderr[0], output, errors, deadline);
            int status = 0;
            while (inTime)
            {
                int reaped = Interop.Libc.WaitPid(pid, out status, Interop.Libc.WNOHANG);
                if (reaped == pid)
                {
                    pid = 0;
                    break;
                }

                if (reaped < 0 && Interop.Libc.GetLastErrno() is var errno && errno != LinuxErrno.EINTR)
                {
                    pid = 0;
                    return SpawnResult.Failed("waitpid", errno);
                }

                inTime = Environment.TickCount64 < deadline;
                if (inTime)
                {
                    Thread.Sleep(5);
                }
            }

            if (!inTime)
            {
                KillAndReap(pid);
                pid = 0;
                return new SpawnResult(-1, true, LinuxErrno.None, string.Empty, output.Text, errors.Text);
            }

            // wait(2): low 7 bits are the signal that ended it (0 when it exited), bits 8-15 its exit code.
            int signal = status & 0x7f;
            int exitCode = signal == 0 ? (status >> 8) & 0xff : 128 + signal;
            return new SpawnResult(exitCode, false, LinuxErrno.None, string.Empty, output.Text, errors.Text);
        }
        finally
        {
            CloseAll(ref stdin[0], ref stdout[1], ref stderr[1], ref extra[0]);
            CloseAll(ref stdin[1], ref stdout[0], ref stderr[0], ref extra[1]);
            if (pid > 0)
            {
                KillAndReap(pid);
            }

            if (actions != 0)
            {
                _ = Interop.Libc.PosixSpawnFileActionsDestroy(actions);
                Marshal.FreeHGlobal(actions);
            }

            if (attributes != 0)
            {
                _ = Interop.Libc.PosixSpawnAttrDestroy(attributes);
                Marshal.FreeHGlobal(attributes);
            }

            if (signals != 0)
            {
                Marshal.FreeHGlobal(signals);
            }

            FreeStringArray(argv);
            FreeStringArray(envp);
            Marshal.FreeCoTaskMem(fileName);
        }
    }

    // The current environment without the names in extra, then extra.
    private static List<string> ChildEnvironment(IReadOnlyList<string> extra)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string variable in extra)
        {
            int equals = variable.IndexOf('=', StringComparison.Ordinal);
            _ = names.Add(equals < 0 ? variable : variable[..equals]);
        }

        var result = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            string name = (string)entry.Key;
            if (!names.Contains(name))
            {
                result.Add(name + "=" + (string?)entry.Value);
            }
        }

        result.AddRange(extra);
        return result;
    }

    private static LinuxErrno Pipe(Span<int> fds) => Interop.Libc.Pipe(fds) == 0 ? LinuxErrno.None : Interop.Libc.GetLastErrno();

    private static LinuxErrno AddDup2(nint actions, int in0, int to0, int in1, int to1, int in2, int to2)
    {
        LinuxErrno error = Interop.Libc.PosixSpawnFileActionsAddDup2(actions, in0, to0);
        error = error != LinuxErrno.None ? error : Interop.Libc.PosixSpawnFileActionsAddDup2(actions, in1, to1);
        return error != LinuxErrno.None ? error : Interop.Libc.PosixSpawnFileActionsAddDup2(actions, in2, to2);
    }

    private static LinuxErrno SetSignalDefaults(nint attributes, nint signals)
    {
        // Every classic signal back to its default, except the two that cannot be caught or ignored.
        LinuxErrno error = Interop.Libc.SigEmptySet(signals);
        for (int signal = 1; signal < 32 && error == LinuxErrno.None; signal++)
        {
            if (signal is not Interop.Libc.SIGKILL and not Interop.Libc.SIGSTOP)
            {
                error = Interop.Libc.SigAddSet(signals, signal);
            }
        }

        error = error != LinuxErrno.None ? error : Interop.Libc.PosixSpawnAttrSetSigDefault(attributes, signals);
        error = error != LinuxErrno.None ? error : Interop.Libc.SigEmptySet(signals);
        error = error != LinuxErrno.None ? error : Interop.Libc.PosixSpawnAttrSetSigMask(attributes, signals);
        return error != LinuxErrno.None ? error : Interop.Libc.PosixSpawnAttrSetFlags(attributes, Interop.Libc.POSIX_SPAWN_SETSIGDEF | Interop.Libc.POSIX_SPAWN_SETSIGMASK);
    }

    // Writes all of data, retrying after EINTR and partial writes; the errno that stopped it, else 0.
    private static LinuxErrno WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            nint written = Interop.Libc.Write(fd, data, data.Length);
            if (written < 0)
            {
                LinuxErrno errno = Interop.Libc.GetLastErrno();
                if (errno == LinuxErrno.EINTR)
                {
                    continue;
                }

                return errno;
            }

            data = data[(int)written..];
        }

        return LinuxErrno.None;
    }

    // Reads both pipes until both reach end of file; false when the deadline came first.
    private static bool Drain(int outFd, int errFd, Capture output, Capture errors, long deadline)
    {
        Span<Interop.Libc.PollFd> fds = [new Interop.Libc.PollFd(outFd, Interop.Libc.POLLIN), new Interop.Libc.PollFd(errFd, Interop.Libc.POLLIN)];
        Span<byte> buffer = stackalloc byte[4096];
        while (fds[0].Fd >= 0 || fds[1].Fd >= 0)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return false;
            }

            fds[0].Revents = 0;
            fds[1].Revents = 0;
            int ready = Interop.Libc.Poll(fds, 2, (int)Math.Min(left, int.MaxValue));
            if (ready < 0)
            {
                if (Interop.Libc.GetLastErrno() == LinuxErrno.EINTR)
                {
                    continue;
                }

                return false;
            }

            for (int i = 0; i < 2; i++)
            {
                if (fds[i].Fd < 0 || fds[i].Revents == 0)
                {
                    continue;
                }

                nint read = Interop.Libc.Read(fds[i].Fd, buffer, buffer.Length);
                if (read < 0 && Interop.Libc.GetLastErrno() == LinuxErrno.EINTR)
                {
                    continue;
                }

                if (read <= 0)
                {
                    // End of file (POLLHUP) or an error: poll(2) ignores negative fds from now on.
                    fds[i].Fd = -1;
                    continue;
                }

                (i == 0 ? output : errors).Append(buffer[..(int)read]);
            }
        }

        return true;
    }

    private static void KillAndReap(int pid)
    {
        _ = Interop.Libc.Kill(pid, Interop.Libc.SIGKILL);
        while (Interop.Libc.WaitPid(pid, out _, 0) < 0 && Interop.Libc.GetLastErrno() == LinuxErrno.EINTR)
        {
        }
    }

    private static void CloseAll(ref int a, ref int b, ref int c, ref int d)
    {
        Close(ref a);
        Close(ref b);
        Close(ref c);
        Close(ref d);
    }

    private static void Close(ref int fd)
    {
        if (fd >= 0)
        {
            _ = Interop.Libc.Close(fd);
            fd = -1;
        }
    }

    // A NULL-terminated array of NUL-terminated UTF-8 strings, as execve(2) takes argv and envp.
    private static nint StringArray(List<string> strings)
    {
        nint array = Marshal.AllocHGlobal((strings.Count + 1) * nint.Size);
        for (int i = 0; i <= strings.Count; i++)
        {
            Marshal.WriteIntPtr(array, i * nint.Size, 0);
        }

        for (int i = 0; i < strings.Count; i++)
        {
            Marshal.WriteIntPtr(array, i * nint.Size, Marshal.StringToCoTaskMemUTF8(strings[i]));
        }

        return array;
    }

    private static void FreeStringArray(nint array)
    {
        if (array == 0)
        {
            return;
        }

        for (int i = 0; ; i++)
        {
            nint item = Marshal.ReadIntPtr(array, i * nint.Size);
            if (item == 0)
            {
                break;
            }

            Marshal.FreeCoTaskMem(item);
        }

        Marshal.FreeHGlobal(array);
    }

    // The first CaptureLimit bytes of a stream; cryptsetup's messages, never key bytes.
    private sealed class Capture
    {
        private readonly byte[] _bytes = new byte[CaptureLimit];
        private int _length;

        public string Text => Encoding.UTF8.GetString(_bytes, 0, _length);

        public void Append(ReadOnlySpan<byte> data)
        {
            ReadOnlySpan<byte> kept = data[..Math.Min(CaptureLimit - _length, data.Length)];
            kept.CopyTo(_bytes.AsSpan(_length));
            _length += kept.Length;
        }
    }
}
