namespace CrashDmCrypt.Tests.Shared;

/// <summary>
/// A [Fact] that needs Linux (procfs, FIFOs, POSIX signals, Unix file modes). Elsewhere it is reported as
/// skipped with <c>needs</c> as the reason, never as a silent pass.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string needs)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux: " + needs;
        }
    }
}

/// <summary>A [Fact] that needs a file of the machine it runs on; skipped, with the path as the reason, where it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class FileFactAttribute : FactAttribute
{
    public FileFactAttribute(string path)
    {
        if (!File.Exists(path))
        {
            Skip = path + " does not exist on this machine";
        }
    }
}

/// <summary>A [Theory] that needs Linux; skipped elsewhere with <c>needs</c> as the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute(string needs)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux: " + needs;
        }
    }
}

/// <summary>A [Theory] that needs a file of the machine it runs on (a tool); skipped, with the path as the reason, where it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class FileTheoryAttribute : TheoryAttribute
{
    public FileTheoryAttribute(string path)
    {
        if (!File.Exists(path))
        {
            Skip = path + " does not exist on this machine";
        }
    }
}
