using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>dtb</c> command (placeholder until its issue lands).</summary>
internal static class DtbCommand
{
    public static Command Create() => new("dtb", "Not implemented yet.");
}
