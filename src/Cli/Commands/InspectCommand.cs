using System.CommandLine;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

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
            Description = "Also print each key's bytes as hex. Off by default: the keys unlock the disks.",
        };
        var command = new Command("inspect", "Print the count, size, digest and entries (index, description, key size) of a blob.");
        input.AddTo(command);
        command.Add(showKeyMaterial);
        command.SetAction(parse => Run(parse, input, parse.GetValue(showKeyMaterial)));
        return command;
    }

    private static int Run(ParseResult parse, BlobInput input, bool showKeyMaterial)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        if (!input.TryRead(parse, out SecretBuffer? region, out string? message))
        {
            error.WriteLine($"inspect: {message}");
            return Program.ExitUsage;
        }

        using (region)
        {
            KeyBlobReadOptions options = input.GetReadOptions(parse);
            KeyBlobProblem[] problems = BlobReport.CollectProblems(region.Span, options);
            if (parse.GetValue(input.Json))
            {
                using var json = new JsonOutput();
                BlobReport.WriteJson(json.Writer, region.Span, options, problems, showKeyMaterial);
                json.WriteTo(output);
            }
            else if (problems.Length != 0)
            {
                BlobReport.WriteProblems(error, problems);
            }
            else if (KeyBlobReader.TryRead(region.Span, options, out KeyBlob blob, out _))
            {
                BlobReport.WriteText(output, blob, showKeyMaterial);
            }

            return problems.Length == 0 ? Program.ExitOk : Program.ExitInvalid;
        }
    }
}
