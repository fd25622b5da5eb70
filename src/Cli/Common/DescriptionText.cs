using System.Globalization;
using System.Text;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Shows a key description (bytes from a blob, possibly hostile) as safe text. Printable characters of
/// valid UTF-8 stand for themselves; a backslash is doubled; every byte of anything else (invalid UTF-8,
/// control characters such as ESC or newline, C1 controls, format characters such as bidi overrides,
/// line separators, private-use and unassigned code points) becomes <c>\xNN</c>. The mapping is
/// reversible, so two different descriptions never print alike, and a hostile blob cannot send
/// control sequences to a terminal.
/// </summary>
internal static class DescriptionText
{
    /// <summary>The escaped form of <paramref name="description"/>.</summary>
    public static string Escape(ReadOnlySpan<byte> description)
    {
        var text = new StringBuilder(description.Length);
        while (!description.IsEmpty)
        {
            bool decoded = Rune.DecodeFromUtf8(description, out Rune rune, out int consumed) == System.Buffers.OperationStatus.Done;
            if (decoded && rune.Value == '\\')
            {
                text.Append(@"\\");
            }
            else if (decoded && IsShown(rune))
            {
                text.Append(rune.ToString());
            }
            else
            {
                foreach (byte b in description[..consumed])
                {
                    text.Append(@"\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
            }

            description = description[consumed..];
        }

        return text.ToString();
    }

    private static bool IsShown(Rune rune) =>
        rune.IsAscii
            ? rune.Value is >= 0x20 and <= 0x7e
            : Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control
                or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.PrivateUse
                or UnicodeCategory.Surrogate
                or UnicodeCategory.OtherNotAssigned);
}
