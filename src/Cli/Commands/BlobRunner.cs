using System.CommandLine;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// The one runner behind <c>inspect</c> and <c>validate</c>: read the window once into pinned memory,
/// validate it once (<see cref="KeyBlobReader.TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>),
/// and only for an invalid blob collect the full list of problems. The commands differ in what they print.
/// </summary>
internal static class BlobRunner
{
    /// <summary>What the command prints for a valid blob, and where it prints problems.</summary>
    public enum Report
    {
        /// <summary><c>inspect</c>: summary and entries on stdout; problems on stderr.</summary>
        Inspect,

        /// <summary><c>validate</c>: one <c>valid (...)</c> line; problems on stdout.</summary>
        Validate,
    }

    public static int Run(ParseResult parse, BlobInput input, Report report, bool showKeyMaterial = false, bool exactLength = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(input);
        string verb = report == Report.Inspect ? "inspect" : "validate";
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        if (!input.TryRead(parse, out SecretBuffer? region, out string? message))
        {
            error.WriteLine($"{verb}: {message}");
            return Program.ExitUsage;
        }

        using (region)
        {
            KeyBlobReadOptions options = input.GetReadOptions(parse, exactLength);
            bool asJson = parse.GetValue(input.Json);
            if (KeyBlobReader.TryRead(region.Span, options, out KeyBlob blob, out _))
            {
                if (asJson)
                {
                    using var json = new JsonOutput();
                    BlobReport.WriteJson(json.Writer, blob, showKeyMaterial);
                    json.WriteTo(output);
                }
                else if (report == Report.Inspect)
                {
                    BlobReport.WriteText(output, blob, showKeyMaterial);
                }
                else
                {
                    BlobReport.WriteSummary(output, blob);
                }

                return Program.ExitOk;
            }

            KeyBlobProblem[] problems = BlobReport.CollectProblems(region.Span, options);
            if (asJson)
            {
                using var json = new JsonOutput();
                BlobReport.WriteJson(json.Writer, region.Span, options, problems, showKeyMaterial);
                json.WriteTo(output);
            }
            else
            {
                BlobReport.WriteProblems(report == Report.Inspect ? error : output, problems);
            }

            return Program.ExitInvalid;
        }
    }
}
