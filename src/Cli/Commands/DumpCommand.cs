using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>dump info DUMP [--json] [--base ADDRESS]</c>: format, byte order, page size, compression, physical ranges, VMCOREINFO.
/// <c>dump read DUMP --address ADDR [--mode M] [--byte-order B] [--json] [--show-key-material] [--base ADDRESS]</c>: the blob
/// at a physical address, reported exactly as <c>inspect</c> reports a file.
/// <c>dump scan</c> and <c>dump scrub</c>: see <see cref="ScanCommand"/> and <see cref="DumpScrubCommand"/>.
/// </summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var command = new Command("dump", "Memory dumps (ELF vmcore, kdump-compressed, flattened, LiME, raw): describe one, read the blob at a physical address, find every copy of key material, or write a copy without it.");
        command.Subcommands.Add(CreateInfo());
        command.Subcommands.Add(CreateRead());
        command.Subcommands.Add(ScanCommand.Create());
        command.Subcommands.Add(DumpScrubCommand.Create());
        return command;
    }

    private static Command CreateInfo()
    {
        var file = new Argument<string>("DUMP") { Description = "The dump; its format is detected from its content." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var rawBase = DumpOptions.Base();
        var command = new Command("info", "Print a dump's format, byte order, page size, compression, physical ranges and VMCOREINFO fields.");
        command.Add(file);
        command.Add(json);
        command.Add(rawBase);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            using PhysicalMemory? memory = DumpOptions.Open("dump info", parse.GetValue(file)!, parse.GetValue(rawBase), parse.InvocationConfiguration.Error);
            if (memory is null)
            {
                return Program.ExitUsage;
            }

            if (parse.GetValue(json))
            {
                WriteInfoJson(output, memory);
            }
            else
            {
                WriteInfoText(output, memory);
            }

            return Program.ExitOk;
        });
        return command;
    }

    private static void WriteInfoText(TextWriter output, PhysicalMemory memory)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"format: {DumpOptions.Name(memory.Format)}");
        output.WriteLine($"byte order: {DumpOptions.Name(memory.ByteOrder)}{(memory.ByteOrderKnown ? "" : " (assumed)")}");
        output.WriteLine(string.Create(c, $"page size: {memory.PageSize}{(memory.PageSizeKnown ? "" : " (assumed)")}"));
        output.WriteLine($"compression: {DumpOptions.Name(memory.Compression)}");
        output.WriteLine($"addresses: {(memory.AddressesKnown ? "physical" : "file offsets (raw image without --base)")}");
        output.WriteLine(string.Create(c, $"ranges: {memory.Ranges.Count} ({memory.TotalBytes} bytes)"));
        output.WriteLine(string.Create(c, $"stored: {memory.StoredBytes} bytes (the rest reads as zero)"));
        foreach (PhysicalRange range in memory.Ranges)
        {
            output.WriteLine(string.Create(c, $"range: {DumpOptions.Hex(range.Start)}-{DumpOptions.Hex(range.End - 1)} ({range.Length} bytes)"));
        }

        foreach (var field in memory.VmcoreInfo.Fields)
        {
            output.WriteLine($"vmcoreinfo: {DumpOptions.Escape(field.Key)}={DumpOptions.Escape(field.Value)}");
        }
    }

    private static void WriteInfoJson(TextWriter output, PhysicalMemory memory)
    {
        using var document = new JsonOutput();
        var json = document.Writer;
        json.WriteStartObject();
        json.WriteString("format", DumpOptions.Name(memory.Format));
        json.WriteString("byteOrder", DumpOptions.Name(memory.ByteOrder));
        json.WriteBoolean("byteOrderKnown", memory.ByteOrderKnown);
        json.WriteNumber("pageSize", memory.PageSize);
        json.WriteBoolean("pageSizeKnown", memory.PageSizeKnown);
        json.WriteString("compression", DumpOptions.Name(memory.Compression));
        json.WriteBoolean("addressesKnown", memory.AddressesKnown);
        json.WriteNumber("fileLength", memory.FileLength);
        json.WriteNumber("rangeCount", memory.Ranges.Count);
        json.WriteNumber("totalBytes", memory.TotalBytes);
        json.WriteNumber("storedBytes", memory.StoredBytes);
        json.WriteStartArray("ranges");
        foreach (PhysicalRange range in memory.Ranges)
        {
            json.WriteStartObject();
            json.WriteNumber("start", range.Start);
            json.WriteNumber("length", range.Length);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("vmcoreinfo");
        WriteNullable(json, "osRelease", memory.VmcoreInfo.OsRelease);
        if (memory.VmcoreInfo.PageSize is int pageSize)
        {
            json.WriteNumber("pageSize", pageSize);
        }
        else
        {
            json.WriteNull("pageSize");
        }

        if (memory.VmcoreInfo.CrashTime is long crashTime)
        {
            json.WriteNumber("crashTime", crashTime);
        }
        else
        {
            json.WriteNull("crashTime");
        }

        json.WriteStartObject("fields");
        foreach (var field in memory.VmcoreInfo.Fields)
        {
            json.WriteString(DumpOptions.Escape(field.Key), DumpOptions.Escape(field.Value));
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        document.WriteTo(output);

        static void WriteNullable(System.Text.Json.Utf8JsonWriter json, string name, string? value)
        {
            if (value is null)
            {
                json.WriteNull(name);
            }
            else
            {
                json.WriteString(name, DumpOptions.Escape(value));
            }
        }
    }

    private static Command CreateRead()
    {
        var file = new Argument<string>("DUMP") { Description = "The dump; its format is detected from its content." };
        var address = CliOptions.Address("--address", "Physical address of the blob: the dmcryptkeys= value (decimal or 0x hex).", required: true);
        var byteOrder = CliOptions.ByteOrder();
        var mode = CliOptions.Mode();
        var json = CliOptions.Json();
        var showKeyMaterial = new Option<bool>("--show-key-material")
        {
            Description = "Also print each key's bytes as hex. Off by default: the keys unlock the disks.",
        };
        var rawBase = DumpOptions.Base();
        var command = new Command("read", "Read the blob at a physical address of a dump and report it as inspect does.");
        command.Add(file);
        command.Add(address);
        command.Add(byteOrder);
        command.Add(mode);
        command.Add(json);
        command.Add(showKeyMaterial);
        command.Add(rawBase);
        command.SetAction(parse =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            using PhysicalMemory? memory = DumpOptions.Open("dump read", parse.GetValue(file)!, parse.GetValue(rawBase), error);
            if (memory is null)
            {
                return Program.ExitUsage;
            }

            ulong at = parse.GetValue(address)!.Value;
            var options = new KeyBlobReadOptions { ByteOrder = parse.GetValue(byteOrder), Mode = parse.GetValue(mode) };
            return ReadBlob(parse, memory, at, options, parse.GetValue(json), parse.GetValue(showKeyMaterial));
        });
        return command;
    }

    // The blob is read into pinned memory (one more byte than the largest blob, or up to the end of the memory range,
    // as inspect reads a file) and reported by inspect's own code.
    private static int ReadBlob(ParseResult parse, PhysicalMemory memory, ulong address, KeyBlobReadOptions options, bool json, bool showKeyMaterial)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter error = parse.InvocationConfiguration.Error;
        PhysicalRange? range = null;
        foreach (PhysicalRange r in memory.Ranges)
        {
            if (r.Start <= address && address < r.End)
            {
                range = r;
            }
        }

        if (range is null)
        {
            error.WriteLine($"dump read: address {DumpOptions.Hex(address)} is not in the dump's memory ({memory.Ranges.Count} ranges; see dump info)");
            return Program.ExitInvalid;
        }

        int length = (int)Math.Min((ulong)(KeyBlobLayout.MaxBlobSize + 1), range.Value.End - address);
        using var region = new SecretBuffer(length);
        if (!memory.TryRead(address, region.Span, out DumpProblem problem))
        {
            error.WriteLine($"dump read: cannot read {DumpOptions.Hex(address)}: {problem}");
            return Program.ExitInvalid;
        }

        // Exactly what inspect does with a region: the same runner.
        return BlobRunner.Print(region.Span, options, BlobRunner.Report.Inspect, json, showKeyMaterial, output, error);
    }
}
