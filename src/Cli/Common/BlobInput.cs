using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The arguments of commands that read a blob out of a file: <c>FILE [--offset N] [--byte-order B] [--mode M] [--json]</c>.
/// </summary>
internal sealed class BlobInput
{
    /// <summary>
    /// Bytes read from the offset: one more than the largest blob. That is enough to decide every rule
    /// (truncation needs at most 49,668 bytes; trailing bytes need one more), so a dump of a large reserved
    /// region is never loaded whole.
    /// </summary>
    public const int ReadWindow = KeyBlobLayout.MaxBlobSize + 1;

    /// <summary>The file that holds the blob.</summary>
    public Argument<string> File { get; } = new("FILE")
    {
        Description = "A file that holds the blob (the blob alone, or a dump of a reserved region with --offset).",
    };

    /// <summary><c>--offset</c>.</summary>
    public Option<long> Offset { get; } = CliOptions.Offset();

    /// <summary><c>--byte-order</c>.</summary>
    public Option<KeyBlobByteOrder> ByteOrder { get; } = CliOptions.ByteOrder();

    /// <summary><c>--mode</c>.</summary>
    public Option<KeyBlobMode> Mode { get; } = CliOptions.Mode();

    /// <summary><c>--json</c>.</summary>
    public Option<bool> Json { get; } = CliOptions.Json();

    /// <summary>Adds the argument and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(File);
        command.Add(Offset);
        command.Add(ByteOrder);
        command.Add(Mode);
        command.Add(Json);
    }

    /// <summary>The reader options the command line asks for.</summary>
    public KeyBlobReadOptions GetReadOptions(ParseResult parse, bool requireExactLength = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new KeyBlobReadOptions { ByteOrder = parse.GetValue(ByteOrder), Mode = parse.GetValue(Mode), RequireExactLength = requireExactLength };
    }

    /// <summary>Reads the window of FILE that starts at <c>--offset</c> into a pinned buffer; dispose it.</summary>
    public bool TryRead(ParseResult parse, [NotNullWhen(true)] out SecretBuffer? region, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return PinnedFile.TryRead(parse.GetValue(File) ?? string.Empty, parse.GetValue(Offset), ReadWindow, out region, out error);
    }
}
