using System.CommandLine;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>The <c>configfs</c> command (placeholder until its issue lands).</summary>
internal static class ConfigfsCommand
{
    public static Command Create() => new("configfs", "Not implemented yet.");
}
