using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>inspect</c> command (placeholder until its issue lands).</summary>
internal static class InspectCommand
{
    public static Command Create() => new("inspect", "Not implemented yet.");
}
