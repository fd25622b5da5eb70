namespace CrashDmCrypt.Kernel;

/// <summary>Marker for the kernel-facing assembly (handoff parsers, configfs client, kernel model).</summary>
public static class KernelAssembly
{
}
