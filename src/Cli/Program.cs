using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using CrashDmCrypt.Cli.Commands;
using CrashDmCrypt.Cli.Common;

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

    /// <summary>Exit code: a scan or scrub stopped by SIGINT (Ctrl-C), 128 + 2 as a shell reports it; the findings printed are those so far.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Exit code: a scan or scrub stopped by SIGTERM, 128 + 15.</summary>
    public const int ExitTerminated = 143;

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
        root.Subcommands.Add(ProvisionCommand.Create());
        root.Subcommands.Add(SimulateCommand.Create());
        root.Subcommands.Add(DumpCommand.Create());
        root.Subcommands.Add(ScanCommand.Create(alias: true));
        root.Subcommands.Add(DumpScrubCommand.Create(alias: true));
        return root;
    }

    /// <summary>Runs the tool.</summary>
    public static int Main(string[] args) => Run(args);

    /// <summary>
    /// Parses and runs <paramref name="args"/>; tests pass writers in <paramref name="configuration"/> to capture the output.
    /// A parse error (unknown option, missing or malformed value) prints its messages, without the input they
    /// quote, and exits <see cref="ExitUsage"/> instead of System.CommandLine's default 1, which here means
    /// "invalid input".
    /// </summary>
    public static int Run(IReadOnlyList<string> args, InvocationConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        configuration ??= new InvocationConfiguration();
        RootCommand root = CreateRootCommand();

        // No response files: an argument that starts with '@' (such as "--key @vk.bin") would otherwise be
        // replaced by the file's contents, which then appear in error messages.
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is not ParseErrorAction)
        {
            return parse.Invoke(configuration);
        }

        HashSet<string> symbolNames = SymbolNames(root);
        string[] tokens = parse.Tokens.Select(t => t.Value).ToArray();
        foreach (ParseError error in parse.Errors)
        {
            configuration.Error.WriteLine(CliText.SanitizeParseError(error.Message, args, tokens, symbolNames));
        }

        configuration.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage.");
        return ExitUsage;
    }

    // "crashdmcrypt configfs add": the root's own name is the host's in tests, so it is not used.
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Parent: not null } named)
            {
                names.Insert(0, named.Command.Name);
            }
        }

        names.Insert(0, "crashdmcrypt");
        return string.Join(' ', names);
    }

    // Every command and option name and alias: these may be quoted back in a parse error.
    private static HashSet<string> SymbolNames(Command command, HashSet<string>? names = null)
    {
        names ??= new HashSet<string>(StringComparer.Ordinal);
        names.Add(command.Name);
        names.UnionWith(command.Aliases);
        foreach (Option option in command.Options)
        {
            names.Add(option.Name);
            names.UnionWith(option.Aliases);
        }

        foreach (Command subcommand in command.Subcommands)
        {
            SymbolNames(subcommand, names);
        }

        return names;
    }
}
