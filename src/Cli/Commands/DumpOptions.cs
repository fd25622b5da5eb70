using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Dumps;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>Options and words shared by <c>dump info</c>, <c>dump read</c> and <c>scan</c>.</summary>
internal static class DumpOptions
{
    /// <summary><c>--base ADDRESS</c>: physical address of byte 0 of a raw image.</summary>
    public static Option<ulong?> Base() => new("--base")
    {
        Description = "Physical address of the first byte of a raw image (decimal or 0x hex). Other formats carry their own addresses.",
        HelpName = "ADDRESS",
        CustomParser = result => ParseAddress(result, "--base"),
    };

    /// <summary>Parses a decimal or <c>0x</c> hex address; a bad value is a parse error (exit 2).</summary>
    public static ulong? ParseAddress(ArgumentResult result, string name)
    {
        string text = result.Tokens[0].Value;
        if (TryParseAddress(text, out ulong value))
        {
            return value;
        }

        result.AddError($"{name} must be a decimal number or 0x hex number, not '{text}'.");
        return null;
    }

    public static bool TryParseAddress(string text, out ulong value)
    {
        value = 0;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return text.Length > 2 && char.IsAsciiHexDigit(text[2])
                && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        return text.Length > 0 && char.IsAsciiDigit(text[0]) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Opens a dump, or writes why not (<c>COMMAND: FILE: CODE at offset N: message</c>) and returns null.</summary>
    public static PhysicalMemory? Open(string command, string path, ulong? rawBase, TextWriter error)
    {
        if (DumpReader.TryOpen(path, new DumpOpenOptions { RawBase = rawBase }, out PhysicalMemory? memory, out DumpProblem problem))
        {
            return memory;
        }

        error.WriteLine(problem.Error == DumpError.IoError ? $"{command}: cannot read '{path}'" : $"{command}: {path}: {problem}");
        return null;
    }

    public static string Name(DumpFormat format) => format switch
    {
        DumpFormat.Elf => "elf",
        DumpFormat.KdumpCompressed => "kdump-compressed",
        DumpFormat.KdumpFlattened => "kdump-flattened",
        DumpFormat.Lime => "lime",
        _ => "raw",
    };

    public static string Name(DumpByteOrder order) => order == DumpByteOrder.BigEndian ? "big" : "little";

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
