using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Options shared by several commands. Each call returns a new instance (an option belongs to one command).
/// Bad values are parse errors, so they exit with <see cref="Program.ExitUsage"/>; their messages never
/// repeat the value (see <see cref="CliText"/>).
/// </summary>
internal static class CliOptions
{
    /// <summary><c>--byte-order little|big</c>, little by default (the enum's default value, so help shows the option's own words).</summary>
    public static Option<KeyBlobByteOrder> ByteOrder() => new("--byte-order", "-b")
    {
        Description = "Byte order of total_keys and key_size: little (x86_64, arm64, ppc64le) or big (ppc64 big-endian, the only big-endian producer in Linux 7.2). Default: little.",
        HelpName = "little|big",
        CustomParser = ParseByteOrder,
    };

    /// <summary>What <c>--mode</c> means for a blob.</summary>
    public const string BlobModeDescription =
        "Rule set: strict (only what a real first kernel writes) or kernel (what the kdump kernel's restore path accepts). Default: strict.";

    /// <summary>What <c>--json</c> prints for a blob.</summary>
    public const string BlobJsonDescription =
        "Print one JSON object (fields byteOrder, mode, count, size, digest, keys, errors) instead of text. With --mode kernel also kernelRestore, kernelFault, bytesPastInput, and restored[] ({index, action, updates, supersededBy, description, descriptionHex, descriptionLength, descriptionComplete, descriptionPastBlob, keySize, bytesPastEntry, bytesPastBlob, bytesPastInput, sha256 with --show-key-material}), refused[] ({index, errno, reason, keySize}) and undetermined[]: what the kdump kernel adds, entry by entry.";

    /// <summary>
    /// <c>--mode strict|kernel</c>, strict by default (the enum's default value). Every command that has a
    /// mode uses this one definition; <paramref name="description"/> says what the two rule sets mean there.
    /// </summary>
    public static Option<KeyBlobMode> Mode(string description = BlobModeDescription) => new("--mode", "-m")
    {
        Description = description,
        HelpName = "strict|kernel",
        CustomParser = ParseMode,
    };

    /// <summary><c>--offset N</c>: where the blob starts in the file, decimal or <c>0x</c> hex, 0 by default.</summary>
    public static Option<long> Offset() => new("--offset")
    {
        Description = "Byte offset of the blob in FILE (decimal, or hex with 0x), for a dump of a larger reserved region.",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
        CustomParser = ParseOffset,
    };

    /// <summary><c>--json</c>: one JSON object on stdout instead of text; <paramref name="description"/> gives its shape.</summary>
    public static Option<bool> Json(string description = BlobJsonDescription) => new("--json")
    {
        Description = description,
    };

    /// <summary>The name the options use for a byte order: <c>little</c> or <c>big</c>.</summary>
    public static string Name(KeyBlobByteOrder byteOrder) =>
        byteOrder == KeyBlobByteOrder.BigEndian ? "big" : "little";

    /// <summary>The name the options use for a mode: <c>strict</c> or <c>kernel</c>.</summary>
    public static string Name(KeyBlobMode mode) =>
        mode == KeyBlobMode.Kernel ? "kernel" : "strict";

    /// <summary>Parses a non-negative decimal number or a <c>0x</c> hex number; no sign, no suffix.</summary>
    public static bool TryParseOffset(string text, out long value)
    {
        value = 0;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ReadOnlySpan<char> digits = text.AsSpan(2);
            return !digits.IsEmpty
                && char.IsAsciiHexDigit(digits[0])
                && long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                && value >= 0;
        }

        return text.Length > 0
            && char.IsAsciiDigit(text[0])
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static KeyBlobByteOrder ParseByteOrder(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        switch (text)
        {
            case "little":
                return KeyBlobByteOrder.LittleEndian;
            case "big":
                return KeyBlobByteOrder.BigEndian;
            default:
                result.AddError("--byte-order must be 'little' or 'big'.");
                return default;
        }
    }

    private static KeyBlobMode ParseMode(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        switch (text)
        {
            case "strict":
                return KeyBlobMode.Strict;
            case "kernel":
                return KeyBlobMode.Kernel;
            default:
                result.AddError("--mode must be 'strict' or 'kernel'.");
                return default;
        }
    }

    private static long ParseOffset(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        if (TryParseOffset(text, out long value))
        {
            return value;
        }

        result.AddError("--offset must be a non-negative decimal number or 0x hex number.");
        return 0;
    }
}
