using System.CommandLine;
using System.CommandLine.Invocation;
using CrashDmCrypt.Cli.Commands;

namespace CrashDmCrypt.Cli;

/// <summary>Entry point of the <c>crashdmcrypt</c> tool.</summary>
public static class Program
{
    /// <summary>Exit code: success, or a valid blob.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: the input is invalid (validate), or the value was not found (cmdline, dtb).</summary>
    public const int ExitInvalid = 1;

    /// <summary>Exit code: usage or I/O error, or input refused before anything was written.</summary>
    public const int ExitUsage = 2;

    /// <summary>Builds the command tree; tests call this to run commands in process.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Build, inspect and validate the dm-crypt keys blob that Linux leaves in kdump reserved memory, and run its life cycle on a kernel model.");
        root.Subcommands.Add(BuildCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(CmdlineCommand.Create());
        root.Subcommands.Add(DtbCommand.Create());
        root.Subcommands.Add(ConfigfsCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(DumpCommand.Create());
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(DumpScrubCommand.Create());
        return root;
    }

    /// <summary>Runs the tool.</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>
    /// Parses and runs <paramref name="args"/>; tests pass writers in <paramref name="configuration"/> to capture the output.
    /// A parse error (unknown option, missing or malformed value) prints its message and help and exits
    /// <see cref="ExitUsage"/> instead of System.CommandLine's default 1, which here means "invalid input".
    /// </summary>
    public static int Run(IReadOnlyList<string> args, InvocationConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ParseResult parse = CreateRootCommand().Parse(args);
        int exitCode = parse.Invoke(configuration ?? new InvocationConfiguration());
        return parse.Action is ParseErrorAction ? ExitUsage : exitCode;
    }
}
