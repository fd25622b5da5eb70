using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>validate</c> command (placeholder until its issue lands).</summary>
internal static class ValidateCommand
{
    public static Command Create() => new("validate", "Not implemented yet.");
}
