namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The <c>--key</c> syntax of <c>build</c>: <c>DESC=hex:HEX</c> or <c>DESC=@KEYFILE</c>.
/// The argument is split at the first <c>=</c> that is followed by <c>hex:</c> or <c>@</c>, so a
/// description may contain <c>=</c> anywhere except right before <c>hex:</c> or <c>@</c>.
/// </summary>
internal static class KeyArgument
{
    private const string HexPrefix = "hex:";
    private const string FilePrefix = "@";

    /// <summary>The <c>KEYFILE</c> of <c>DESC=@-</c>: the key comes from standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>How the key bytes are given.</summary>
    public enum Source
    {
        /// <summary>Hex digits in the argument itself.</summary>
        Hex,

        /// <summary>The raw bytes of a file (no newline is stripped).</summary>
        File,
    }

    /// <summary>
    /// Splits <paramref name="text"/>. The value is returned as a position, not a substring, so hex key
    /// material is not copied into another string.
    /// </summary>
    /// <param name="text">The argument.</param>
    /// <param name="description">Everything before the separating <c>=</c>.</param>
    /// <param name="source">Hex or file.</param>
    /// <param name="valueStart">Where the hex digits or the file path start in <paramref name="text"/>.</param>
    /// <returns><see langword="false"/> when no <c>=hex:</c> or <c>=@</c> occurs.</returns>
    public static bool TrySplit(string text, out string description, out Source source, out int valueStart)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int equals = text.IndexOf('=', StringComparison.Ordinal); equals >= 0; equals = text.IndexOf('=', equals + 1))
        {
            ReadOnlySpan<char> rest = text.AsSpan(equals + 1);
            if (rest.StartsWith(HexPrefix, StringComparison.Ordinal))
            {
                (description, source, valueStart) = (text[..equals], Source.Hex, equals + 1 + HexPrefix.Length);
                return true;
            }

            if (rest.StartsWith(FilePrefix, StringComparison.Ordinal))
            {
                (description, source, valueStart) = (text[..equals], Source.File, equals + 1 + FilePrefix.Length);
                return true;
            }
        }

        (description, source, valueStart) = (string.Empty, Source.Hex, 0);
        return false;
    }
}
