using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Scanning;

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

    /// <summary>
    /// The one number parser of the command line: a decimal number or a <c>0x</c> hex number, at most
    /// <paramref name="max"/>; no sign, space, suffix or exponent.
    /// </summary>
    public static bool TryParseNumber(string text, ulong max, out ulong value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = 0;
        bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? text.Length > 2 && char.IsAsciiHexDigit(text[2])
                && ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : text.Length > 0 && char.IsAsciiDigit(text[0])
                && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return parsed && value <= max;
    }

    /// <summary>
    /// <c>NAME ADDRESS</c>: a physical address, decimal or <c>0x</c> hex, absent by default; <paramref name="required"/>
    /// makes it a parse error to leave it out.
    /// </summary>
    public static Option<ulong?> Address(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        HelpName = "ADDRESS",
        Required = required,
        CustomParser = result => TryParseNumber(result.Tokens[0].Value, ulong.MaxValue, out ulong value)
            ? value
            : Refuse<ulong?>(result, $"{name} must be a decimal number or 0x hex number.", null),
    };

    /// <summary>
    /// <c>--byte-order little|big|both</c> for a scan, both by default: the same words, parsed by the same code, as
    /// <see cref="ByteOrder"/>, and one more.
    /// </summary>
    public static Option<ScanByteOrders> ScanByteOrder() => new("--byte-order", "-b")
    {
        Description = "Byte orders to look for: little, big or both. Default: both.",
        HelpName = "little|big|both",
        DefaultValueFactory = _ => ScanByteOrders.Both,
        CustomParser = result => ParseByteOrders(result.Tokens[0].Value, allowBoth: true) is ScanByteOrders orders
            ? orders
            : Refuse(result, "--byte-order must be 'little', 'big' or 'both'.", ScanByteOrders.Both),
    };

    // The one byte-order parser: the words of every --byte-order option; "both" only where a scan may look for both.
    private static ScanByteOrders? ParseByteOrders(string text, bool allowBoth) => text switch
    {
        "little" => ScanByteOrders.Little,
        "big" => ScanByteOrders.Big,
        "both" when allowBoth => ScanByteOrders.Both,
        _ => null,
    };

    private static KeyBlobByteOrder ParseByteOrder(ArgumentResult result) =>
        ParseByteOrders(result.Tokens[0].Value, allowBoth: false) switch
        {
            ScanByteOrders.Little => KeyBlobByteOrder.LittleEndian,
            ScanByteOrders.Big => KeyBlobByteOrder.BigEndian,
            _ => Refuse(result, "--byte-order must be 'little' or 'big'.", default(KeyBlobByteOrder)),
        };

    // A parse error (exit 2) whose message names the option, never the value given.
    private static T Refuse<T>(ArgumentResult result, string message, T value)
    {
        result.AddError(message);
        return value;
    }

    private static KeyBlobMode ParseMode(ArgumentResult result) => result.Tokens[0].Value switch
    {
        "strict" => KeyBlobMode.Strict,
        "kernel" => KeyBlobMode.Kernel,
        _ => Refuse(result, "--mode must be 'strict' or 'kernel'.", default(KeyBlobMode)),
    };

    private static long ParseOffset(ArgumentResult result) =>
        TryParseNumber(result.Tokens[0].Value, long.MaxValue, out ulong value)
            ? (long)value
            : Refuse(result, "--offset must be a non-negative decimal number or 0x hex number.", 0L);
}
