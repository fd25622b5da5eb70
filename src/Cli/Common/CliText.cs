using System.Globalization;
using System.Text;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The one rule for user input in messages. Values that are not file or item names (<c>--key</c>,
/// <c>--mode</c>, <c>--offset</c>, a stray argument) are never repeated: an argument can hold a key, so the
/// message names the option or the argument's position instead. File and item names are repeated escaped
/// as descriptions are (<see cref="DescriptionText"/>) and cut to <see cref="MaxShownLength"/> characters,
/// so no message can carry control characters to a terminal or a long run of input bytes.
/// </summary>
internal static class CliText
{
    /// <summary>Most characters of a name shown before it is cut with <c>...</c>.</summary>
    public const int MaxShownLength = 100;

    /// <summary><paramref name="name"/> escaped, cut, in single quotes.</summary>
    public static string Quote(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int cut = name.Length;
        if (cut > MaxShownLength)
        {
            cut = char.IsHighSurrogate(name[MaxShownLength - 1]) ? MaxShownLength - 1 : MaxShownLength;
        }

        string shown = DescriptionText.Escape(Encoding.UTF8.GetBytes(name[..cut]));
        return cut < name.Length ? $"'{shown}...'" : $"'{shown}'";
    }

    /// <summary>Name bytes (as read from configfs), escaped, cut, in single quotes.</summary>
    public static string Quote(ReadOnlySpan<byte> name)
    {
        string text = DescriptionText.Escape(name.Length > MaxShownLength ? name[..MaxShownLength] : name);
        return name.Length > MaxShownLength ? $"'{text}...'" : $"'{text}'";
    }

    /// <summary>
    /// A name, or a message that may hold one: every control or format
    /// character in it is escaped as <c>\xNN</c> (and a backslash doubled), so it prints on one line.
    /// </summary>
    public static string EscapeMessage(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return DescriptionText.Escape(Encoding.UTF8.GetBytes(message));
    }

    /// <summary>
    /// A System.CommandLine parse error without the input it quotes: each <c>'TOKEN'</c> that is one of
    /// <paramref name="arguments"/> and not the name of an option or command becomes <c>#N</c>
    /// (its 1-based position); one of the parser's other <paramref name="tokens"/> (the value of
    /// <c>--mode=VALUE</c>) becomes <c>a value</c>. Then each line is escaped (tabs become spaces).
    /// </summary>
    public static string SanitizeParseError(string message, IReadOnlyList<string> arguments, IEnumerable<string> tokens, IReadOnlySet<string> symbolNames)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(symbolNames);

        // Longest first, so that an argument containing another is replaced whole.
        IEnumerable<(string Text, string Name)> quoted = arguments
            .Select((a, i) => (a, string.Create(CultureInfo.InvariantCulture, $"#{i + 1}")))
            .Concat(tokens.Select(t => (t, "a value")))
            .Where(p => p.Item1.Length != 0 && !symbolNames.Contains(p.Item1))
            .DistinctBy(p => p.Item1, StringComparer.Ordinal)
            .OrderByDescending(p => p.Item1.Length);
        foreach ((string text, string name) in quoted)
        {
            message = message.Replace($"'{text}'", name, StringComparison.Ordinal);
        }

        return string.Join('\n', message.Split('\n').Select(line => EscapeMessage(line.Replace("\t", "    ", StringComparison.Ordinal))));
    }
}
