using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>cmdline</c> command (placeholder until its issue lands).</summary>
internal static class CmdlineCommand
{
    public static Command Create() => new("cmdline", "Not implemented yet.");
}
