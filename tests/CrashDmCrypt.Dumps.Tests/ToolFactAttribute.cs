namespace CrashDmCrypt.Dumps.Tests;

/// <summary>A fact that is skipped, with the reason, when a tool it needs is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
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
