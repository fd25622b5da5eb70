using System.CommandLine;
using CrashDmCrypt.Cli.Common;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>inspect FILE [--offset N] [--byte-order B] [--mode M] [--json] [--show-key-material]</c>:
/// count, size, digest and entries of a valid blob; the problems of an invalid one (exit 1).
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var input = new BlobInput();
        var showKeyMaterial = new Option<bool>("--show-key-material")
        {
            Description = "Also print each key's bytes as hex and the digest of every byte. Off by default: the keys unlock the disks.",
        };
        var command = new Command("inspect", "Print the count, size, digest and entries (index, description, key size) of a blob.");
        input.AddTo(command);
        command.Add(showKeyMaterial);
        command.SetAction(parse => BlobRunner.Run(parse, input, BlobRunner.Report.Inspect, showKeyMaterial: parse.GetValue(showKeyMaterial)));
        return command;
    }
}
