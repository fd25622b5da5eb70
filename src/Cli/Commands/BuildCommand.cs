using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>build</c> command (placeholder until its issue lands).</summary>
internal static class BuildCommand
{
    public static Command Create() => new("build", "Not implemented yet.");
}
