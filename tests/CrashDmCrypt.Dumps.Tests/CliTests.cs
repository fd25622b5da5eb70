using System.CommandLine;
using System.Text.Json;
using CrashDmCrypt.Cli;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary><c>dump info</c>, <c>dump read</c> and <c>scan</c>, run in process.</summary>
public class CliTests
{
    internal static (int Exit, string Out, string Err) RunCli(params string[] args) => Run(args);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = Program.Run(args, new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("two-keys.bin", 0x100000UL, "little")]
    [InlineData("big-endian-3-keys.bin", 0x180004UL, "big")]
    [InlineData("max-keys-128.bin", 0x140f80UL, "little")]
    public void Dump_read_reports_exactly_what_inspect_reports(string vector, ulong address, string order)
    {
        string vectorPath = Path.Combine(RepoPaths.Vectors, vector);
        foreach (string dump in new[] { "qemu.elf", "qemu-zlib.flat", "qemu-zlib.kdump" })
        {
            foreach (string[] extra in new[] { Array.Empty<string>(), ["--json"], ["--json", "--show-key-material"], ["--mode", "kernel"] })
            {
                var inspect = Run(["inspect", vectorPath, "--byte-order", order, .. extra]);
                var read = Run(["dump", "read", Fixtures.Get(dump), "--address", $"0x{address:x}", "--byte-order", order, .. extra]);
                Assert.Equal(inspect, read);
                Assert.Equal(0, read.Exit);
            }
        }
    }

    [Fact]
    public void Dump_read_of_a_bad_blob_or_an_address_outside_memory_exits_1()
    {
        var wrongOrder = Run("dump", "read", Fixtures.Get("qemu.elf"), "--address", "0x180004");
        Assert.Equal(1, wrongOrder.Exit);
        Assert.StartsWith("CDC", wrongOrder.Err, StringComparison.Ordinal);

        var outside = Run("dump", "read", Fixtures.Get("qemu.elf"), "--address", "0x300000");
        Assert.Equal(1, outside.Exit);
        Assert.Contains("0x300000 is not in the dump's memory", outside.Err, StringComparison.Ordinal);

        Assert.Equal(2, Run("dump", "read", Fixtures.Get("qemu.elf")).Exit);
        Assert.Equal(2, Run("dump", "read", Fixtures.Get("qemu.elf"), "--address", "-1").Exit);
        Assert.Equal(2, Run("dump", "read", "/nonexistent/dump", "--address", "0").Exit);
    }

    [Fact]
    public void Dump_info_text_and_json()
    {
        var text = Run("dump", "info", Fixtures.Get("qemu-zlib.flat"));
        Assert.Equal(0, text.Exit);
        Assert.Contains("format: kdump-flattened", text.Out, StringComparison.Ordinal);
        Assert.Contains("compression: zlib", text.Out, StringComparison.Ordinal);
        Assert.Contains("range: 0x0-0x1fffff (2097152 bytes)", text.Out, StringComparison.Ordinal);

        var json = Run("dump", "info", Fixtures.Get("qemu.elf"), "--json");
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal("elf", document.RootElement.GetProperty("format").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("rangeCount").GetInt32());
        Assert.Equal(2359296, document.RootElement.GetProperty("totalBytes").GetInt64());

        using var dir = new TempFolder();
        var builder = new ElfBuilder { VmcoreInfo = "OSRELEASE=6.12.0\u001b[31m\nPAGESIZE=4096\nCRASHTIME=1700000000\n" }.Load(0x1000, new byte[4096]);
        string path = dir.Write("vmcore", builder.Build());
        var withInfo = Run("dump", "info", path);
        Assert.Contains("vmcoreinfo: OSRELEASE=6.12.0\\x1b[31m", withInfo.Out, StringComparison.Ordinal);
        Assert.Contains("page size: 4096\n", withInfo.Out.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        using var infoJson = JsonDocument.Parse(Run("dump", "info", path, "--json").Out);
        Assert.Equal(1700000000, infoJson.RootElement.GetProperty("vmcoreinfo").GetProperty("crashTime").GetInt64());

        var refused = Run("dump", "info", dir.Write("bad", [0x7F, (byte)'E', (byte)'L', (byte)'F', 9]));
        Assert.Equal(2, refused.Exit);
        Assert.Contains("CDC40", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_and_scrub_with_mmap_report_what_they_report_without_it()
    {
        foreach (string dump in new[] { "qemu.elf", "qemu-zlib.flat" })
        {
            foreach (string[] extra in new[] { Array.Empty<string>(), ["--json"] })
            {
                var read = Run(["scan", Fixtures.Get(dump), .. extra]);
                Assert.Equal(1, read.Exit);
                Assert.Equal(read, Run(["scan", Fixtures.Get(dump), "--mmap", .. extra]));
            }
        }

        using var folder = new TempFolder();
        var scrubbed = Run("scrub", Fixtures.Get("qemu.elf"), "-o", System.IO.Path.Combine(folder.Path, "read.elf"));
        var mapped = Run("scrub", Fixtures.Get("qemu.elf"), "-o", System.IO.Path.Combine(folder.Path, "mapped.elf"), "--mmap");
        Assert.Equal(0, scrubbed.Exit);
        Assert.Equal(scrubbed.Out.Replace("read.elf", "mapped.elf", StringComparison.Ordinal), mapped.Out);
        Assert.Equal(File.ReadAllBytes(System.IO.Path.Combine(folder.Path, "read.elf")), File.ReadAllBytes(System.IO.Path.Combine(folder.Path, "mapped.elf")));
    }

    [Fact]
    public void Scan_exit_codes_text_and_json()
    {
        var found = Run("scan", Fixtures.Get("qemu.elf"), Fixtures.Get("qemu-zlib.flat"));
        Assert.Equal(1, found.Exit);
        Assert.Equal(9, found.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("blob at address 0x100000, file offset 1049728, 2 key(s), little-endian: \"cryptsetup:", found.Out, StringComparison.Ordinal);

        var json = Run("scan", Fixtures.Get("qemu-zlib.kdump"), "--json", "--byte-order", "big");
        Assert.Equal(1, json.Exit);
        using var document = JsonDocument.Parse(json.Out);
        JsonElement finding = Assert.Single(document.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("blob", finding.GetProperty("kind").GetString());
        Assert.Equal(0x180004, finding.GetProperty("address").GetInt64());
        Assert.Equal(JsonValueKind.Null, finding.GetProperty("fileOffset").ValueKind);
        Assert.Equal(3, finding.GetProperty("count").GetInt32());
        Assert.Equal(256, finding.GetProperty("keys")[2].GetProperty("keySize").GetInt32());
        // The kdump's zero pages share one page data, scanned once.
        Assert.Equal(393216, document.RootElement.GetProperty("bytesScanned").GetInt64());

        using var dir = new TempFolder();
        string clean = dir.Write("clean.raw", new byte[100000]);
        Assert.Equal(0, Run("scan", clean).Exit);
        Assert.Equal(2, Run("scan", clean, "/nonexistent").Exit);
        Assert.Equal(2, Run("scan", clean, "--byte-order", "middle").Exit);

        // A raw image without --base: no address, a file offset.
        byte[] image = new byte[8192];
        Fixtures.Vector("one-key.bin").CopyTo(image, 4096);
        var raw = Run("scan", dir.Write("image.raw", image), "--json");
        using var rawDocument = JsonDocument.Parse(raw.Out);
        JsonElement rawFinding = Assert.Single(rawDocument.RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, rawFinding.GetProperty("address").ValueKind);
        Assert.Equal(4096, rawFinding.GetProperty("fileOffset").GetInt64());
    }

    [Fact]
    public void Scan_and_scrub_are_aliases_of_dump_scan_and_dump_scrub()
    {
        using var dir = new TempFolder();
        byte[] image = new byte[8192];
        Fixtures.Vector("one-key.bin").CopyTo(image, 4096);
        string path = dir.Write("image.raw", image);

        var scan = Run("scan", path, "--json");
        var dumpScan = Run("dump", "scan", path, "--json");
        var scrub = Run("scrub", path, "-o", System.IO.Path.Combine(dir.Path, "a"), "--json");
        var dumpScrub = Run("dump", "scrub", path, "-o", System.IO.Path.Combine(dir.Path, "b"), "--json");

        Assert.Equal(1, dumpScan.Exit);
        Assert.Equal(scan, dumpScan);
        Assert.Equal(0, dumpScrub.Exit);
        Assert.Equal(scrub, dumpScrub);
        Assert.Equal(File.ReadAllBytes(System.IO.Path.Combine(dir.Path, "a")), File.ReadAllBytes(System.IO.Path.Combine(dir.Path, "b")));
        using var document = JsonDocument.Parse(dumpScan.Out);
        Assert.False(document.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("signal").ValueKind);
        using var scrubbed = JsonDocument.Parse(dumpScrub.Out);
        Assert.False(scrubbed.RootElement.GetProperty("interrupted").GetBoolean());
        Assert.Equal(1, scrubbed.RootElement.GetProperty("findingCount").GetInt32());
    }

    // A value may be a key pasted in the wrong place: a parse error names the option, never the value.
    [Theory]
    [InlineData("dump", "scan", "F", "--byte-order", "5ec7e75ec7e7")]
    [InlineData("scan", "F", "--base", "5ec7e75ec7e7x")]
    [InlineData("dump", "scrub", "F", "-o", "out", "--base", "0x5ec7e75ec7e7g")]
    [InlineData("dump", "read", "F", "--address", "-5ec7e75ec7e7")]
    [InlineData("dump", "info", "F", "--base", "0x10000000000000000")]
    [InlineData("dump", "read", "F", "--address", "0x1000", "--byte-order", "5ec7e75ec7e7")]
    public void Parse_errors_of_the_dump_commands_exit_2_without_the_value(params string[] args)
    {
        using var dir = new TempFolder();
        string path = dir.Write("image.raw", new byte[4096]);
        string[] withFile = [.. args.Select(a => a == "F" ? path : a)];

        var result = Run(withFile);

        Assert.Equal(2, result.Exit);
        Assert.Equal("", result.Out);
        Assert.DoesNotContain("5ec7e75ec7e7", result.Err, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("10000000000000000", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void File_names_in_the_dump_commands_messages_are_quoted_and_escaped()
    {
        using var dir = new TempFolder();
        byte[] image = new byte[8192];
        Fixtures.Vector("one-key.bin").CopyTo(image, 4096);
        string path = dir.Write("a\u001b[31mb.raw", image);
        string missing = System.IO.Path.Combine(dir.Path, "no\u001b]0;x\u0007such");
        string elf = dir.Write("bad\u001b.elf", [0x7F, (byte)'E', (byte)'L', (byte)'F', 9]);

        var found = Run("dump", "scan", path);
        var unreadable = Run("dump", "scan", missing);
        var refused = Run("dump", "scrub", elf, "-o", System.IO.Path.Combine(dir.Path, "out"));

        Assert.Equal(1, found.Exit);
        Assert.Equal(2, unreadable.Exit);
        Assert.Equal(2, refused.Exit);
        foreach (string text in new[] { found.Out, found.Err, unreadable.Out, unreadable.Err, refused.Out, refused.Err })
        {
            Assert.DoesNotContain('\u001b', text);
            Assert.DoesNotContain('\u0007', text);
        }

        Assert.Contains("a\\x1b[31mb.raw': blob at", found.Out, StringComparison.Ordinal);
        Assert.Contains("no\\x1b]0;x\\x07such'", unreadable.Err, StringComparison.Ordinal);
        Assert.Contains("CDC40", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_never_prints_a_key_byte()
    {
        byte[] vector = Fixtures.Vector("key-256-bytes.bin");
        using var dir = new TempFolder();
        byte[] image = new byte[8192];
        vector.CopyTo(image, 1024);
        string path = dir.Write("image.raw", image);
        string keyHex = Convert.ToHexString(vector.AsSpan(4 + 132, 16)).ToLowerInvariant();
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--json"] })
        {
            var result = Run(["scan", path, .. extra]);
            Assert.Equal(1, result.Exit);
            Assert.DoesNotContain(keyHex, result.Out.ToLowerInvariant(), StringComparison.Ordinal);
        }
    }
}

internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cdc-dumps-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
