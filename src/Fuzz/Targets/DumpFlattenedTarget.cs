using CrashDmCrypt.Dumps;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>dump-flattened</c> target: the input is opened as any dump is (format from content), which for a
/// <c>makedumpfile</c> signature reads the flattened records in place and then the kdump file they describe;
/// <see cref="DumpInvariants"/> must hold. Small limits keep the too-many-records and too-many-ranges paths reachable.
/// </summary>
internal static class DumpFlattenedTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var options = new DumpOpenOptions { MaxFlattenedRecords = 4096, MaxRanges = 4096 };
        bool ok = DumpReader.TryOpen(DumpInvariants.Source(input), options, out PhysicalMemory? memory, out DumpProblem problem);
        DumpInvariants.Check(ok, memory, problem, "flattened");
    }
}
