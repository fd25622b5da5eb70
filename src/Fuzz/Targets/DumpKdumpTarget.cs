using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Formats;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>dump-kdump</c> target: the input is read as a kdump-compressed file (whatever its signature), with every page
/// compression (zlib, LZO when liblzo2 is installed, snappy, zstd) reachable, and <see cref="DumpInvariants"/> must hold.
/// </summary>
internal static class DumpKdumpTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        bool ok = KdumpMemory.TryOpen(DumpInvariants.Source(input), DumpFormat.KdumpCompressed, default, out PhysicalMemory? memory, out DumpProblem problem);
        DumpInvariants.Check(ok, memory, problem, "kdump");
    }
}
