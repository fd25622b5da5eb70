using System.CommandLine;
using CrashDmCrypt.Cli.Common;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>validate FILE [--offset N] [--byte-order B] [--mode M] [--json] [--exact-length]</c>:
/// exit 0 when valid, 1 when invalid (one line per problem on stdout), 2 on a usage or I/O error.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var input = new BlobInput();
        var exactLength = new Option<bool>("--exact-length")
        {
            Description = "Treat bytes after the blob as an error (CDC014); by default a longer region is normal.",
        };
        var command = new Command("validate", "Check a blob against every rule of the mode; list every problem (code, entry, offset, message).");
        input.AddTo(command);
        command.Add(exactLength);
        command.SetAction(parse => BlobRunner.Run(parse, input, BlobRunner.Report.Validate, exactLength: parse.GetValue(exactLength)));
        return command;
    }
}
