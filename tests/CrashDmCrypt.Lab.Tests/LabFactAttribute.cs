namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// A fact that runs on the real Linux 7.2 kernel under QEMU. Skipped, with the reason and the command that
/// prepares it, when QEMU is not installed or the lab's kernel for this checkout's config fragments is not cached.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute(string arch = "x86_64")
    {
        Skip = LabImages.WhyMissing(arch);
    }
}

/// <summary>A theory on the real kernel; skipped like <see cref="LabFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LabTheoryAttribute : TheoryAttribute
{
    public LabTheoryAttribute(string arch = "x86_64")
    {
        Skip = LabImages.WhyMissing(arch);
    }
}
