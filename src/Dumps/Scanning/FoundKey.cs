namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>One key a finding holds: its description (the dump's bytes, without the NUL; escape before printing) and its size. Never a key byte.</summary>
/// <param name="Description">The description's bytes.</param>
/// <param name="KeySize">The key's length in bytes (1..256).</param>
public sealed record FoundKey(ReadOnlyMemory<byte> Description, int KeySize);
