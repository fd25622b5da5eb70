using CrashDmCrypt.Codec;
using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>dump scrub DUMP -o OUT [--json] [--base ADDRESS] [--key-file FILE]...</c> (also <c>scrub</c>): writes a copy of the
/// dump in its own format with every finding's bytes zero, atomically (temporary file beside OUT, mode 0600, rename), then
/// checks OUT again. Reports what it scrubbed as <c>dump scan</c> does. Exit 0 when OUT holds no key material, 1 when some
/// is left, 2 on an error (nothing written); 130 (SIGINT) or 143 (SIGTERM) when a signal stopped it: before the rename
/// nothing is written and an existing OUT is untouched; after it, OUT is whole but its check did not end.
/// </summary>
internal static class DumpScrubCommand
{
    /// <param name="alias">The top-level <c>scrub</c>: the same command under the name it had before <c>dump scrub</c>.</param>
    public static Command Create(bool alias = false)
    {
        var file = new Argument<string>("DUMP") { Description = "The dump; its format is detected from its content." };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the scrubbed copy (not DUMP itself).", HelpName = "OUT", Required = true };
        var json = new Option<bool>("--json") { Description = "Report what was scrubbed as dump scan --json does." };
        var rawBase = DumpOptions.Base();
        var keyFiles = DumpAudit.KeyFiles();
        var mmap = DumpOptions.Mmap();
        var command = new Command(
            "scrub",
            (alias ? "Alias of 'dump scrub'. " : "")
            + "Write a copy of a dump, in the same format, in which every blob and entry found (descriptions and keys) and every other form of their keys and of --key-file keys (raw bytes, halves, AES schedules) is zero; then check every byte of the copy, and every decompressed page, for every key's bytes and schedules: exit 0 and '0 left' only when none remains. Ctrl-C before the copy is renamed into place writes nothing (exit 130).");
        command.Add(file);
        command.Add(output);
        command.Add(json);
        command.Add(rawBase);
        command.Add(keyFiles);
        command.Add(mmap);
        string name = alias ? "scrub" : "dump scrub";
        command.SetAction(parse => Run(parse, name, parse.GetValue(file)!, parse.GetValue(output)!, parse.GetValue(json), parse.GetValue(rawBase), parse.GetValue(keyFiles) ?? [], parse.GetValue(mmap)));
        return command;
    }

    private static int Run(ParseResult parse, string name, string input, string outputPath, bool json, ulong? rawBase, string[] keyFiles, bool mapFile)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        string target = Path.GetFullPath(outputPath);
        if (string.Equals(Path.GetFullPath(input), target, StringComparison.Ordinal)
            || (File.Exists(target) && File.Exists(input) && SameFile(input, target)))
        {
            error.WriteLine($"{name}: OUT must not be DUMP");
            return Program.ExitUsage;
        }

        using var keys = new KeySet();
        if (!DumpAudit.TryAddKeyFiles(keyFiles, keys, out string? keyError))
        {
            error.WriteLine($"{name}: {keyError}");
            return Program.ExitUsage;
        }

        using var interruption = Interruption.Listen();
        DumpScanResult found;
        bool bigEndian;
        using (PhysicalMemory? memory = DumpOptions.Open(name, input, rawBase, error, mapFile))
        {
            if (memory is null)
            {
                return Program.ExitUsage;
            }

            bigEndian = memory.ByteOrder == KeyBlobByteOrder.BigEndian;
            using (ScanProgress? progress = ScanProgress.ForTerminal(error, input))
            {
                found = DumpAudit.ScanEveryForm(memory, new DumpScanOptions { Progress = progress, CancellationToken = interruption.Token }, keys);
            }

            if (found.Cancelled)
            {
                Report(output, input, found, json, interruption.SignalName);
                error.WriteLine($"{name}: interrupted by {interruption.SignalName} while {CliText.Quote(input)} was scanned; nothing written");
                return interruption.ExitCode;
            }

            if (found.FindingCount > found.Findings.Count)
            {
                error.WriteLine($"{name}: {CliText.Quote(input)}: more findings than are kept ({DumpScanOptions.DefaultMaxFindings}); nothing written");
                return Program.ExitUsage;
            }

            if (found.ProblemCount > 0)
            {
                foreach (DumpProblem problem in found.Problems)
                {
                    error.WriteLine(DumpOptions.Describe(name, input, problem));
                }

                error.WriteLine($"{name}: pages could not be read, so the copy could not be checked whole; nothing written");
                return Program.ExitUsage;
            }

            if (!TryWriteAtomically(name, memory, found, keys, target, interruption, error))
            {
                if (interruption.Interrupted)
                {
                    Report(output, input, found, json, interruption.SignalName);
                    error.WriteLine($"{name}: interrupted by {interruption.SignalName} while {CliText.Quote(outputPath)} was written; nothing written");
                    return interruption.ExitCode;
                }

                return Program.ExitUsage;
            }
        }

        // The copy must hold nothing any more.
        using PhysicalMemory? written = DumpOptions.Open(name, target, rawBase, error, mapFile);
        if (written is null)
        {
            return Program.ExitUsage;
        }

        DumpScanResult left = DumpScanner.Scan(written, new DumpScanOptions { CancellationToken = interruption.Token });

        // The independent check: every byte of OUT and every decompressed page, for every key's bytes and schedules.
        IReadOnlyList<Leftover> leftovers = [];
        DumpProblem checkProblem = default;
        bool checkedWhole = !left.Cancelled
            && LeftoverCheck.TryCheck(target, keys, bigEndian, out leftovers, MaxLeftoversShown, out checkProblem, interruption.Token);
        bool stopped = left.Cancelled || (!checkedWhole && interruption.Token.IsCancellationRequested);
        Report(output, input, found, json, stopped ? interruption.SignalName : null);
        if (stopped)
        {
            error.WriteLine($"{name}: interrupted by {interruption.SignalName}: {CliText.Quote(outputPath)} is written whole with {found.Findings.Count} finding(s) zeroed, but its check did not end");
            return interruption.ExitCode;
        }

        long remaining = left.FindingCount + leftovers.Count;
        if (!json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scrubbed {found.Findings.Count} finding(s) into {CliText.Quote(outputPath)}; {remaining} left"));
        }

        foreach (Leftover leftover in leftovers)
        {
            string where = leftover.FileOffset >= 0
                ? string.Create(CultureInfo.InvariantCulture, $"file offset {leftover.FileOffset}")
                : string.Create(CultureInfo.InvariantCulture, $"decompressed page frame {leftover.PageFrame}");
            error.WriteLine($"{name}: left in {CliText.Quote(outputPath)}: {DumpAudit.Name(leftover.Kind)} ({DumpAudit.Name(leftover.Part)}) of \"{DumpOptions.Escape(keys.GetDescription(leftover.KeyIndex).Span)}\" at {where}");
        }

        if (!checkedWhole)
        {
            error.WriteLine($"{name}: {CliText.Quote(outputPath)} could not be checked whole: {checkProblem}");
        }

        if (remaining > 0 || left.ProblemCount > 0 || !checkedWhole)
        {
            error.WriteLine($"{name}: {CliText.Quote(outputPath)} still holds key material or cannot be read whole");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }

    // What was found (and, unless interrupted, scrubbed), as dump scan reports it.
    private static void Report(TextWriter output, string input, DumpScanResult found, bool json, string? interruptedBy)
    {
        if (json)
        {
            ScanCommand.WriteJson(output, [(input, found)], found.BytesScanned, [], interruptedBy);
        }
        else
        {
            ScanCommand.WriteText(output, input, found);
        }
    }

    // Through the one signal-safe atomic writer: SIGINT, SIGTERM, SIGHUP or SIGQUIT before the rename delete the
    // temporary file. The scrubber zeroes as it copies, so that file never holds a key byte anyway. The copy stops at
    // its next write once a signal has cancelled the command.
    private static bool TryWriteAtomically(string name, PhysicalMemory memory, DumpScanResult found, KeySet keys, string target, Interruption interruption, TextWriter error)
    {
        bool written = AtomicFile.TryWrite(
            target,
            stream =>
            {
                try
                {
                    using var stopping = new CancellableStream(stream, interruption.Token);
                    return DumpScrubber.TryScrub(memory, found.Findings, keys, stopping, out DumpProblem problem, interruption.Token) ? null
                        : interruption.Token.IsCancellationRequested ? "interrupted" : problem.ToString();
                }
                catch (OperationCanceledException)
                {
                    return "interrupted";
                }
            },
            out string? reason,
            out bool signalled);

        // AtomicFile's handler of the signal may have run before the command's: wait for the command's record of it, so
        // the caller reports the interruption and its exit code rather than a write error.
        if (signalled)
        {
            interruption.WaitForSignal(TimeSpan.FromSeconds(5));
        }

        if (!written && !interruption.Interrupted)
        {
            error.WriteLine($"{name}: {reason}");
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
