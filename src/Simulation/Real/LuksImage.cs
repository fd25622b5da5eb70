namespace CrashDmCrypt.Simulation.Real;

/// <summary>A LUKS2 image file made by <see cref="LuksImageFolder.CreateImage"/>. It holds no key bytes in memory.</summary>
/// <param name="Path">The image file, inside the folder's temporary directory.</param>
/// <param name="Uuid">The LUKS UUID written into the header.</param>
/// <param name="KeySize">The volume key's length in bytes.</param>
public sealed record LuksImage(string Path, string Uuid, int KeySize);
