namespace CrashDmCrypt.Dumps.Formats;

/// <summary>The kdump format's scrubbed copy: pages rewritten in place of the old page data (<see cref="Scrubbing.DumpScrubber"/>).</summary>
internal sealed partial class KdumpMemory
{
    internal override bool TryWriteScrubbed(IReadOnlyList<(ulong Address, ulong Length)> inMemory, List<(long Offset, long Length)> erase, Stream output, out DumpProblem problem) =>
        Scrubbing.DumpScrubber.TryWriteScrubbed(this, inMemory, erase, output, out problem);
}
