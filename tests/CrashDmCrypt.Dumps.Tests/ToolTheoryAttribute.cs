namespace CrashDmCrypt.Dumps.Tests;

/// <summary>A theory that is skipped, with the reason, when a tool it needs is not installed.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        foreach (string tool in tools)
        {
            if (!Tools.Has(tool))
            {
                Skip = $"{tool} is not installed ({Tools.InstallHint(tool)})";
                return;
            }
        }
    }
}
