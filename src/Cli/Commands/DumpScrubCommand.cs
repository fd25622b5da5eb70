using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Forms;
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
        var keyFiles = DumpAudit.KeyFiles();
        var command = new Command(
            "scrub",
            "Write a copy of a dump, in the same format, in which every blob and entry found (descriptions and keys) and every other form of their keys and of --key-file keys (raw bytes, halves, AES schedules) is zero; then check every byte of the copy, and every decompressed page, for every key's bytes and schedules: exit 0 and '0 left' only when none remains.");
        command.Add(file);
        command.Add(output);
        command.Add(json);
        command.Add(rawBase);
        command.Add(keyFiles);
        command.SetAction(parse => Run(parse, parse.GetValue(file)!, parse.GetValue(output)!, parse.GetValue(json), parse.GetValue(rawBase), parse.GetValue(keyFiles) ?? []));
        return command;
    }

    private static int Run(ParseResult parse, string input, string outputPath, bool json, ulong? rawBase, string[] keyFiles)
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

        using var keys = new KeySet();
        if (!DumpAudit.TryAddKeyFiles(keyFiles, keys, out string? keyError))
        {
            error.WriteLine($"scrub: {keyError}");
            return Program.ExitUsage;
        }

        DumpScanResult found;
        bool bigEndian;
        using (PhysicalMemory? memory = DumpOptions.Open("scrub", input, rawBase, error))
        {
            if (memory is null)
            {
                return Program.ExitUsage;
            }

            bigEndian = memory.ByteOrder == DumpByteOrder.BigEndian;
            found = DumpAudit.ScanEveryForm(memory, new DumpScanOptions(), keys);
            if (found.FindingCount > found.Findings.Count)
            {
                error.WriteLine($"scrub: {input}: more findings than are kept ({DumpScanOptions.DefaultMaxFindings}); nothing written");
                return Program.ExitUsage;
            }

            if (found.ProblemCount > 0)
            {
                foreach (DumpProblem problem in found.Problems)
                {
                    error.WriteLine($"scrub: {input}: {problem}");
                }

                error.WriteLine("scrub: pages could not be read, so the copy could not be checked whole; nothing written");
                return Program.ExitUsage;
            }

            if (!TryWriteAtomically(memory, found, keys, target, error))
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

        // The independent check: every byte of OUT and every decompressed page, for every key's bytes and schedules.
        bool checkedWhole = LeftoverCheck.TryCheck(target, keys, bigEndian, out IReadOnlyList<Leftover> leftovers, MaxLeftoversShown, out DumpProblem checkProblem);
        long remaining = left.FindingCount + leftovers.Count;
        if (!json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scrubbed {found.Findings.Count} finding(s) into {outputPath}; {remaining} left"));
        }

        foreach (Leftover leftover in leftovers)
        {
            string where = leftover.FileOffset >= 0
                ? string.Create(CultureInfo.InvariantCulture, $"file offset {leftover.FileOffset}")
                : string.Create(CultureInfo.InvariantCulture, $"decompressed page frame {leftover.PageFrame}");
            error.WriteLine($"scrub: left in {outputPath}: {DumpAudit.Name(leftover.Kind)} ({DumpAudit.Name(leftover.Part)}) of \"{DumpOptions.Escape(keys.GetDescription(leftover.KeyIndex).Span)}\" at {where}");
        }

        if (!checkedWhole)
        {
            error.WriteLine($"scrub: {outputPath} could not be checked whole: {checkProblem}");
        }

        if (remaining > 0 || left.ProblemCount > 0 || !checkedWhole)
        {
            error.WriteLine($"scrub: {outputPath} still holds key material or cannot be read whole");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }

    // Through the one signal-safe atomic writer: SIGINT, SIGTERM, SIGHUP or SIGQUIT before the rename delete the
    // temporary file. The scrubber zeroes as it copies, so that file never holds a key byte anyway.
    private static bool TryWriteAtomically(PhysicalMemory memory, DumpScanResult found, KeySet keys, string target, TextWriter error)
    {
        bool written = AtomicFile.TryWrite(
            target,
            stream => DumpScrubber.TryScrub(memory, found.Findings, keys, stream, out DumpProblem problem) ? null : problem.ToString(),
            out string? reason);
        if (!written)
        {
            error.WriteLine($"scrub: {reason}");
        }

        return written;
    }

    private const int MaxLeftoversShown = 100;

    private static bool SameFile(string a, string b)
    {
        FileSystemInfo? la = new FileInfo(a).ResolveLinkTarget(returnFinalTarget: true);
        FileSystemInfo? lb = new FileInfo(b).ResolveLinkTarget(returnFinalTarget: true);
        return string.Equals(la?.FullName ?? Path.GetFullPath(a), lb?.FullName ?? Path.GetFullPath(b), StringComparison.Ordinal);
    }
}
