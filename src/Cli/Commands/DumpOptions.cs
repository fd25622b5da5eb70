using CrashDmCrypt.Codec;
using System.CommandLine;
using System.Globalization;
using System.Text;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>Options and words shared by the <c>dump</c> commands.</summary>
internal static class DumpOptions
{
    /// <summary><c>--base ADDRESS</c>: physical address of byte 0 of a raw image.</summary>
    public static Option<ulong?> Base() => CliOptions.Address(
        "--base",
        "Physical address of the first byte of a raw image (decimal or 0x hex). Other formats carry their own addresses.");

    /// <summary>
    /// <c>--mmap</c>: the scans of <c>scan</c> and <c>scrub</c> map the dump's windows rather than read them
    /// (<see cref="DumpOpenOptions.MapFile"/>, a relaxation), as ripgrep maps the file it searches.
    /// </summary>
    public static Option<bool> Mmap() => new("--mmap")
    {
        Description = "Map a raw, ELF or LiME dump rather than read it with pread(2): faster, but a dump truncated by another process while it is scanned ends this one (SIGBUS) rather than being a read error. For a dump no one else writes.",
    };

    /// <summary>Opens a dump, or writes why not (<c>COMMAND: FILE: CODE at offset N: message</c>) and returns null.</summary>
    public static PhysicalMemory? Open(string command, string path, ulong? rawBase, TextWriter error, bool mapFile = false)
    {
        if (DumpReader.TryOpen(path, new DumpOpenOptions { RawBase = rawBase, MapFile = mapFile }, out PhysicalMemory? memory, out DumpProblem problem))
        {
            return memory;
        }

        error.WriteLine(Describe(command, path, problem));
        return null;
    }

    /// <summary><c>COMMAND: cannot read 'FILE'</c>, or <c>COMMAND: 'FILE': CODE at offset N: message</c>.</summary>
    public static string Describe(string command, string path, DumpProblem problem) =>
        problem.Error == DumpError.IoError ? $"{command}: cannot read {CliText.Quote(path)}" : $"{command}: {CliText.Quote(path)}: {problem}";

    public static string Name(DumpFormat format) => format switch
    {
        DumpFormat.Elf => "elf",
        DumpFormat.KdumpCompressed => "kdump-compressed",
        DumpFormat.KdumpFlattened => "kdump-flattened",
        DumpFormat.Lime => "lime",
        _ => "raw",
    };

    public static string Name(KeyBlobByteOrder order) => order == KeyBlobByteOrder.BigEndian ? "big" : "little";

    public static string Name(DumpCompression compression)
    {
        if (compression == DumpCompression.None)
        {
            return "none";
        }

        var names = new List<string>();
        foreach (var (flag, name) in new[] { (DumpCompression.Zlib, "zlib"), (DumpCompression.Lzo, "lzo"), (DumpCompression.Snappy, "snappy"), (DumpCompression.Zstd, "zstd") })
        {
            if ((compression & flag) != 0)
            {
                names.Add(name);
            }
        }

        return string.Join(",", names);
    }

    public static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x}");

    /// <summary>Text from the dump (VMCOREINFO, utsname), escaped as descriptions are.</summary>
    public static string Escape(string dumpText) => DescriptionText.Escape(Encoding.Latin1.GetBytes(dumpText));

    public static string Escape(ReadOnlySpan<byte> description) => DescriptionText.Escape(description);
}
