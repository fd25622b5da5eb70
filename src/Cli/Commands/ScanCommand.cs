using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>dump scan FILE... [--json] [--byte-order little|big|both] [--base ADDRESS] [--key-file FILE]...</c> (also
/// <c>scan</c>): every complete blob and lone entry in dumps of any format, then every other form of their keys. Exit 0
/// when nothing is found, 1 when key material is found, 2 on an error (and nothing found), so a pipeline can refuse to
/// ship a dump that leaks; 130 (SIGINT) or 143 (SIGTERM) when a signal stopped it, after the findings so far. Never
/// prints a key byte: the report is meant to be shared, and <c>dump read --show-key-material</c> shows a blob's keys.
/// </summary>
internal static class ScanCommand
{
    /// <param name="alias">The top-level <c>scan</c>: the same command under the name it had before <c>dump scan</c>.</param>
    public static Command Create(bool alias = false)
    {
        var files = new Argument<string[]>("FILE") { Description = "Dumps or memory images; each one's format is detected from its content.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {findings, findingCount, repeatedPages, bytesScanned, windowsReread, bytesReread, interrupted, errors} instead of text." };
        var byteOrder = CliOptions.ScanByteOrder();
        var rawBase = DumpOptions.Base();
        var keyFiles = DumpAudit.KeyFiles();
        var mmap = DumpOptions.Mmap();
        var command = new Command(
            "scan",
            (alias ? "Alias of 'dump scan'. " : "")
            + "Find every copy of dm-crypt key material in memory dumps: complete blobs and lone entries, then every other form of their keys (and of --key-file keys): raw bytes and each half at any alignment, AES encryption and decryption schedules. Never prints a key byte. Ctrl-C stops it with the findings so far (exit 130).");
        command.Add(files);
        command.Add(json);
        command.Add(byteOrder);
        command.Add(rawBase);
        command.Add(keyFiles);
        command.Add(mmap);
        string name = alias ? "scan" : "dump scan";
        command.SetAction(parse => Run(parse, name, parse.GetValue(files)!, parse.GetValue(json), parse.GetValue(byteOrder), parse.GetValue(rawBase), parse.GetValue(keyFiles) ?? [], parse.GetValue(mmap)));
        return command;
    }

    private static int Run(ParseResult parse, string name, string[] files, bool json, ScanByteOrders orders, ulong? rawBase, string[] keyFiles, bool mapFile)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        var results = new List<(string File, DumpScanResult Result)>();
        bool failed = false;
        ulong scanned = 0;
        long found = 0;
        long listed = 0;
        var errors = new List<(string File, DumpProblem Problem)>();
        using (var named = new KeySet())
        {
            if (!DumpAudit.TryAddKeyFiles(keyFiles, named, out string? keyError))
            {
                error.WriteLine($"{name}: {keyError}");
                return Program.ExitUsage;
            }
        }

        using var interruption = Interruption.Listen();
        int started = 0;
        bool stopped = false;
        foreach (string file in files)
        {
            if (interruption.Interrupted)
            {
                stopped = true;
                break;
            }

            started++;
            if (!DumpReader.TryOpen(file, new DumpOpenOptions { RawBase = rawBase, MapFile = mapFile }, out PhysicalMemory? memory, out DumpProblem problem))
            {
                failed = true;
                errors.Add((file, problem));
                continue;
            }

            using (memory)
            {
                using var progress = ScanProgress.ForTerminal(parse.InvocationConfiguration.Error, file);
                using var keys = new KeySet();
                DumpAudit.TryAddKeyFiles(keyFiles, keys, out _);
                var options = new DumpScanOptions { ByteOrders = orders, Progress = progress, CancellationToken = interruption.Token };
                DumpScanResult result = DumpAudit.ScanEveryForm(memory!, options, keys);
                scanned += result.BytesScanned;
                found += result.FindingCount;
                listed += result.Findings.Count;
                failed |= result.ProblemCount > 0;
                stopped |= result.Cancelled;
                errors.AddRange(result.Problems.Select(p => (file, p)));
                if (!json)
                {
                    WriteText(output, file, result);
                }

                results.Add((file, result));
            }
        }

        string? interruptedBy = stopped ? interruption.SignalName : null;
        if (json)
        {
            WriteJson(output, results, scanned, errors, interruptedBy);
        }
        else
        {
            foreach (var (file, problem) in errors)
            {
                error.WriteLine(DumpOptions.Describe(name, file, problem));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scanned {scanned} bytes in {started} file(s): {found} finding(s)"));
            if (listed < found)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"only the first {listed} listed: at most {DumpScanOptions.DefaultMaxFindings} findings are kept per file"));
            }

            if (interruptedBy is not null)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"interrupted by {interruptedBy}: {files.Length - started} file(s) not started; the findings above are those of the bytes scanned so far"));
            }
        }

        return stopped ? interruption.ExitCode : found > 0 ? Program.ExitInvalid : failed ? Program.ExitUsage : Program.ExitOk;
    }

    internal static void WriteText(TextWriter output, string file, DumpScanResult result)
    {
        var c = CultureInfo.InvariantCulture;
        string shown = CliText.Quote(file);
        foreach (DumpFinding finding in result.Findings)
        {
            string where = finding.OutsideMemory ? (finding.Address is ulong page ? $"page {DumpOptions.Hex(page)}, stored but not in the dump's memory" : "file bytes outside the dump's memory")
                : finding.InOverwrittenRecord ? "a flattened record a later one replaced"
                : finding.Address is ulong address ? $"address {DumpOptions.Hex(address)}" : "address unknown";
            if (finding.FileOffset is long offset)
            {
                where += string.Create(c, $", file offset {offset}");
            }

            string keys = string.Join(", ", finding.Keys.Select(k => string.Create(c, $"\"{DumpOptions.Escape(k.Description.Span)}\" ({k.KeySize} bytes)")));
            string kind = DumpAudit.Name(finding.Kind);
            if (finding.Kind is FindingKind.RawKey or FindingKind.AesSchedule)
            {
                string part = finding.Part == KeyPart.Whole ? "the key" : $"the key's {DumpAudit.Name(finding.Part).Replace('-', ' ')}";
                string what = finding.Kind == FindingKind.RawKey
                    ? string.Create(c, $"{finding.Length} bytes: {part}")
                    : string.Create(c, $"AES-{((finding.Length / sizeof(uint)) - 28) * 8} {(finding.Schedule == AesScheduleKind.Encryption ? "encryption" : "decryption")} schedule of {part}, {DumpOptions.Name(finding.ByteOrder)}-endian words");
                output.WriteLine(string.Create(c, $"{shown}: {kind} at {where}, {what}: {keys}"));
                continue;
            }

            string faults = finding.Problems.Count == 0 ? "" : $" (a freed copy? {string.Join(", ", finding.Problems.Select(p => p.Code))})";
            output.WriteLine(string.Create(c, $"{shown}: {kind} at {where}, {finding.Count} key(s), {DumpOptions.Name(finding.ByteOrder)}-endian: {keys}{faults}"));
        }
    }

    // interruptedBy: the signal that stopped the scan (SIGINT, SIGTERM), or null when it ran to the end.
    internal static void WriteJson(
        TextWriter output, List<(string File, DumpScanResult Result)> results, ulong scanned, List<(string File, DumpProblem Problem)> errors, string? interruptedBy)
    {
        using var document = new JsonOutput();
        Utf8JsonWriter json = document.Writer;
        json.WriteStartObject();
        json.WriteStartArray("findings");
        foreach (var (file, result) in results)
        {
            foreach (DumpFinding finding in result.Findings)
            {
                json.WriteStartObject();
                json.WriteString("file", file);
                json.WriteString("kind", DumpAudit.Name(finding.Kind));
                if (finding.Address is ulong address)
                {
                    json.WriteNumber("address", address);
                }
                else
                {
                    json.WriteNull("address");
                }

                if (finding.FileOffset is long offset)
                {
                    json.WriteNumber("fileOffset", offset);
                }
                else
                {
                    json.WriteNull("fileOffset");
                }

                if (finding.InOverwrittenRecord)
                {
                    json.WriteBoolean("overwrittenRecord", true);
                }

                if (finding.OutsideMemory)
                {
                    json.WriteBoolean("outsideMemory", true);
                }

                json.WriteString("byteOrder", DumpOptions.Name(finding.ByteOrder));
                json.WriteNumber("length", finding.Length);
                if (finding.Kind is FindingKind.RawKey or FindingKind.AesSchedule)
                {
                    json.WriteString("part", DumpAudit.Name(finding.Part));
                    if (finding.Kind == FindingKind.AesSchedule)
                    {
                        json.WriteString("schedule", finding.Schedule == AesScheduleKind.Encryption ? "encryption" : "decryption");
                    }
                }

                json.WriteNumber("count", finding.Count);
                json.WriteStartArray("keys");
                foreach (FoundKey key in finding.Keys)
                {
                    json.WriteStartObject();
                    json.WriteString("description", DumpOptions.Escape(key.Description.Span));
                    json.WriteNumber("keySize", key.KeySize);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteStartArray("problems");
                foreach (Codec.KeyBlobProblem problem in finding.Problems)
                {
                    json.WriteStartObject();
                    json.WriteString("code", problem.Code);
                    json.WriteNumber("entry", problem.EntryIndex);
                    json.WriteNumber("offset", problem.Offset);
                    json.WriteString("message", problem.Message);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteNumber("findingCount", results.Sum(static r => r.Result.FindingCount));
        json.WriteNumber("repeatedPages", results.Sum(static r => r.Result.RepeatedPages));
        json.WriteNumber("bytesScanned", scanned);
        json.WriteNumber("windowsReread", results.Sum(static r => r.Result.WindowsReread));
        json.WriteNumber("bytesReread", results.Aggregate(0UL, static (sum, r) => sum + r.Result.BytesReread));
        json.WriteBoolean("interrupted", interruptedBy is not null);
        if (interruptedBy is null)
        {
            json.WriteNull("signal");
        }
        else
        {
            json.WriteString("signal", interruptedBy);
        }

        json.WriteStartArray("errors");
        foreach (var (file, problem) in errors)
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            json.WriteString("code", problem.Code);
            if (problem.FileOffset >= 0)
            {
                json.WriteNumber("offset", problem.FileOffset);
            }
            else
            {
                json.WriteNull("offset");
            }

            json.WriteString("message", problem.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        document.WriteTo(output);
    }
}
