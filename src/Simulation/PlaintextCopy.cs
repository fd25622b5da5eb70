namespace CrashDmCrypt.Simulation;

/// <summary>
/// One plaintext copy of the keys the real kernel leaves in its own memory: what a dump audit of that kernel's memory
/// finds. The model reports these but keeps its own buffers clear (FORMAT.md deviation D5).
/// </summary>
/// <param name="Kind">Which copy, and so which kernel's memory holds it (the kdump kernel's for <see cref="PlaintextCopyKind.KdumpKeysHeader"/>).</param>
/// <param name="Size">Bytes of the allocation.</param>
/// <param name="Keys">Entries whose key bytes it holds.</param>
public readonly record struct PlaintextCopy(PlaintextCopyKind Kind, int Size, int Keys);
