using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Formats;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>The <c>dump-elf</c> target: the input is read as an ELF core file (whatever its magic) and <see cref="DumpInvariants"/> must hold.</summary>
internal static class DumpElfTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        bool ok = ElfReader.TryOpen(DumpInvariants.Source(input), default, out PhysicalMemory? memory, out DumpProblem problem);
        DumpInvariants.Check(ok, memory, problem, "elf");
    }
}
