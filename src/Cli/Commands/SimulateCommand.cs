using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>simulate</c> command (placeholder until its issue lands).</summary>
internal static class SimulateCommand
{
    public static Command Create() => new("simulate", "Not implemented yet.");
}
