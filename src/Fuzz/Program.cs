using SharpFuzz;

namespace CrashDmCrypt.Fuzz;

/// <summary>
/// <c>CrashDmCrypt.Fuzz TARGET [FILE|DIR]</c>. Under AFL (<c>__AFL_SHM_ID</c> set) it runs the SharpFuzz loop;
/// otherwise it replays a file, every file of a folder (recursively), or standard input, and exits 1 on any finding.
/// <c>CrashDmCrypt.Fuzz seeds DIR</c> writes the generated seed corpus.
/// </summary>
internal static class Program
{
    private const int MaxInput = 1 << 20;

    public static int Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == "seeds")
        {
            if (args.Length != 2)
            {
                return Usage();
            }

            int written = SeedCorpus.Write(args[1]);
            Console.WriteLine($"wrote {written} seed files under {args[1]}");
            return 0;
        }

        if (args.Length is < 1 or > 2 || !FuzzTargets.TryGet(args[0], out FuzzTarget? target))
        {
            return Usage();
        }

        if (Environment.GetEnvironmentVariable("__AFL_SHM_ID") is not null)
        {
            RunUnderAfl(target);
            return 0;
        }

        UseOwnTraceBitmap();
        return args.Length == 2
            ? Replay.Run(target, args[1], Console.Out)
            : Replay.RunStandardInput(target, Console.Out);
    }

    // An instrumented build (fuzz.sh replays its findings with the one AFL ran) counts edges in SharpFuzz's bitmap,
    // which only the AFL loop maps: outside it a private one, or the first instrumented method writes near address 0
    // and every replay reports that access violation instead of the finding.
    private static unsafe void UseOwnTraceBitmap()
    {
        if (SharpFuzz.Common.Trace.SharedMem == null)
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: CrashDmCrypt.Fuzz {string.Join('|', FuzzTargets.Names)} [FILE|DIR]");
        Console.Error.WriteLine("       CrashDmCrypt.Fuzz seeds DIR");
        return 2;
    }

    private static void RunUnderAfl(FuzzTarget target)
    {
        byte[] buffer = GC.AllocateArray<byte>(MaxInput, pinned: true);
        void Action(Stream stream)
        {
            int length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            FuzzTargets.Execute(target, buffer.AsSpan(0, length));
        }

        // In process is about five times faster, but a hang or an access violation at a guard page ends the
        // fork server (fuzz.sh then replays AFL's .cur_input). Out of process survives both and keeps fuzzing.
        if (Environment.GetEnvironmentVariable("CDC_FUZZ_OUT_OF_PROCESS") == "1")
        {
            Fuzzer.OutOfProcess.Run(Action);
        }
        else
        {
            Fuzzer.Run(Action);
        }
    }
}
