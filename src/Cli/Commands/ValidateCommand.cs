using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

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
        command.SetAction(parse => Run(parse, input, parse.GetValue(exactLength)));
        return command;
    }

    private static int Run(ParseResult parse, BlobInput input, bool exactLength)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        if (!input.TryRead(parse, out SecretBuffer? region, out string? message))
        {
            error.WriteLine($"validate: {message}");
            return Program.ExitUsage;
        }

        using (region)
        {
            KeyBlobReadOptions options = input.GetReadOptions(parse, exactLength);
            KeyBlobProblem[] problems = BlobReport.CollectProblems(region.Span, options);
            if (parse.GetValue(input.Json))
            {
                using var json = new JsonOutput();
                BlobReport.WriteJson(json.Writer, region.Span, options, problems, showKeyMaterial: false);
                json.WriteTo(output);
            }
            else if (problems.Length != 0)
            {
                BlobReport.WriteProblems(output, problems);
            }
            else if (KeyBlobReader.TryRead(region.Span, options, out KeyBlob blob, out _))
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"valid ({CliOptions.Name(options.Mode)}, {CliOptions.Name(options.ByteOrder)}-endian): {blob.Count} key{(blob.Count == 1 ? string.Empty : "s")}, {blob.Size} bytes, {KeyBlobDigest.Format(blob.Bytes)}"));
            }

            return problems.Length == 0 ? Program.ExitOk : Program.ExitInvalid;
        }
    }
}
