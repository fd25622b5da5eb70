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
            return Print(region.Span, input.GetReadOptions(parse, exactLength), report, parse.GetValue(input.Json), showKeyMaterial, output, error);
        }
    }

    /// <summary>
    /// Validates <paramref name="region"/> once and prints what the command prints; every command that reports a blob
    /// (inspect, validate, dump read) goes through here, so they print alike.
    /// </summary>
    public static int Print(ReadOnlySpan<byte> region, KeyBlobReadOptions options, Report report, bool asJson, bool showKeyMaterial, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (KeyBlobReader.TryRead(region, options, out KeyBlob blob, out _))
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
                if (options.Mode == KeyBlobMode.Kernel)
                {
                    KernelRestoreReport.WriteText(output, region, options.ByteOrder, showKeyMaterial);
                }
            }
            else
            {
                BlobReport.WriteSummary(output, blob);
            }

            return Program.ExitOk;
        }

        KeyBlobProblem[] problems = BlobReport.CollectProblems(region, options);
        if (asJson)
        {
            using var json = new JsonOutput();
            BlobReport.WriteJson(json.Writer, region, options, problems, showKeyMaterial);
            json.WriteTo(output);
        }
        else
        {
            BlobReport.WriteProblems(report == Report.Inspect ? error : output, problems);

            // What the kdump kernel does with a blob kernel mode refuses is the question a hostile blob raises.
            if (report == Report.Inspect && options.Mode == KeyBlobMode.Kernel)
            {
                KernelRestoreReport.WriteText(output, region, options.ByteOrder, showKeyMaterial);
            }
        }

        return Program.ExitInvalid;
    }
}
