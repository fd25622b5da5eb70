namespace CrashDmCrypt.Simulation;

/// <summary>A range of physical addresses, <c>[Start, Start + Size)</c>.</summary>
/// <param name="Start">First address.</param>
/// <param name="Size">Length in bytes.</param>
public readonly record struct MemoryRange(ulong Start, ulong Size)
{
    /// <summary>One past the last address (saturates at <see cref="ulong.MaxValue"/>).</summary>
    public ulong End => Size > ulong.MaxValue - Start ? ulong.MaxValue : Start + Size;

    /// <summary>Whether <c>[address, address + length)</c> lies wholly inside this range (compared without overflow).</summary>
    public bool Contains(ulong address, ulong length) =>
        address >= Start && address - Start <= Size && length <= Size - (address - Start);

    /// <summary>Whether the two ranges share an address.</summary>
    public bool Overlaps(MemoryRange other) => Start < other.End && other.Start < End;

    /// <summary><c>[0x2b100000, 0x2b200000)</c>.</summary>
    public override string ToString() => $"[0x{Start:x}, 0x{End:x})";
}
