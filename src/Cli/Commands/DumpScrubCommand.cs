using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>scrub DUMP -o OUT [--json] [--base ADDRESS]</c>: writes a copy of the dump in its own format with every finding's
/// bytes zero, atomically (temporary file beside OUT, mode 0600, rename), then scans OUT again. Reports what it scrubbed
/// as <c>scan</c> does. Exit 0 when OUT holds no key material, 1 when some is left, 2 on an error (nothing written).
/// </summary>
internal static class DumpScrubCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("DUMP") { Description = "The dump; its format is detected from its content." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the scrubbed copy (not DUMP itself).", HelpName = "OUT", Required = true };
        var json = new Option<bool>("--json") { Description = "Report what was scrubbed as scan --json does." };
        var rawBase = DumpOptions.Base();
        var command = new Command("scrub", "Write a copy of a dump, in the same format, in which every blob and entry found (descriptions and keys) is zero; then check the copy.");
        command.Add(file);
        command.Add(output);
        command.Add(json);
        command.Add(rawBase);
        command.SetAction(parse => Run(parse, parse.GetValue(file)!, parse.GetValue(output)!, parse.GetValue(json), parse.GetValue(rawBase)));
        return command;
    }

    private static int Run(ParseResult parse, string input, string outputPath, bool json, ulong? rawBase)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        string target = Path.GetFullPath(outputPath);
        if (string.Equals(Path.GetFullPath(input), target, StringComparison.Ordinal)
            || (File.Exists(target) && File.Exists(input) && SameFile(input, target)))
        {
            error.WriteLine("scrub: OUT must not be DUMP");
            return Program.ExitUsage;
        }

        DumpScanResult found;
        using (PhysicalMemory? memory = DumpOptions.Open("scrub", input, rawBase, error))
        {
            if (memory is null)
            {
                return Program.ExitUsage;
            }

            found = DumpScanner.Scan(memory);
            if (found.ProblemCount > 0)
            {
                foreach (DumpProblem problem in found.Problems)
                {
                    error.WriteLine($"scrub: {input}: {problem}");
                }

                error.WriteLine("scrub: pages could not be read, so the copy could not be checked whole; nothing written");
                return Program.ExitUsage;
            }

            if (!TryWriteAtomically(memory, found, target, error))
            {
                return Program.ExitUsage;
            }
        }

        if (json)
        {
            ScanCommand.WriteJson(output, [(input, found)], found.BytesScanned, []);
        }
        else
        {
            ScanCommand.WriteText(output, input, found);
        }

        // The copy must hold nothing any more.
        using PhysicalMemory? written = DumpOptions.Open("scrub", target, rawBase, error);
        if (written is null)
        {
            return Program.ExitUsage;
        }

        DumpScanResult left = DumpScanner.Scan(written);
        if (!json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scrubbed {found.Findings.Count} finding(s) into {outputPath}; {left.Findings.Count} left"));
        }

        if (left.Findings.Count > 0 || left.ProblemCount > 0)
        {
            error.WriteLine($"scrub: {outputPath} still holds key material or cannot be read whole");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }

    // Through the one signal-safe atomic writer: SIGINT, SIGTERM, SIGHUP or SIGQUIT before the rename delete the
    // temporary file. The scrubber zeroes as it copies, so that file never holds a key byte anyway.
    private static bool TryWriteAtomically(PhysicalMemory memory, DumpScanResult found, string target, TextWriter error)
    {
        bool written = AtomicFile.TryWrite(
            target,
            stream => DumpScrubber.TryScrub(memory, found.Findings, stream, out DumpProblem problem) ? null : problem.ToString(),
            out string? reason);
        if (!written)
        {
            error.WriteLine($"scrub: {reason}");
        }

        return written;
    }

    private static bool SameFile(string a, string b)
    {
        FileSystemInfo? la = new FileInfo(a).ResolveLinkTarget(returnFinalTarget: true);
        FileSystemInfo? lb = new FileInfo(b).ResolveLinkTarget(returnFinalTarget: true);
        return string.Equals(la?.FullName ?? Path.GetFullPath(a), lb?.FullName ?? Path.GetFullPath(b), StringComparison.Ordinal);
    }
}
