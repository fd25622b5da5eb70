namespace CrashDmCrypt.Dumps;

/// <summary>A run of physical memory the dump holds: <c>[Start, Start + Length)</c>.</summary>
/// <param name="Start">First physical address.</param>
/// <param name="Length">Number of bytes; never 0, and <c>Start + Length</c> never overflows.</param>
public readonly record struct PhysicalRange(ulong Start, ulong Length)
{
    /// <summary>One past the last address.</summary>
    public ulong End => Start + Length;
}
