using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Formats;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>The <c>dump-lime</c> target: the input is read as a LiME range file and <see cref="DumpInvariants"/> must hold.</summary>
internal static class DumpLimeTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        bool ok = LimeReader.TryOpen(DumpInvariants.Source(input), new DumpOpenOptions { MaxRanges = 4096 }, out PhysicalMemory? memory, out DumpProblem problem);
        DumpInvariants.Check(ok, memory, problem, "lime");
    }
}
