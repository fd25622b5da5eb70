using System.Globalization;

namespace CrashDmCrypt.Codec;

/// <summary>
/// The one numbering of every problem CrashDmCrypt reports: <c>CDC</c> and three digits, where the digits are the
/// numeric value of the error enum member. Ranges: 0xx the keys blob (<see cref="KeyBlobError"/>), 1xx the
/// <c>dmcryptkeys=</c> command line, 2xx the device tree, 3xx configfs, 4xx memory dumps.
/// Every code is listed in <c>spec/ERRORS.md</c>.
/// </summary>
public static class ProblemCode
{
    // The text every code starts with.
    private const string Prefix = "CDC";

    /// <summary>Formats a code: <c>CDC</c> and <paramref name="number"/> in at least three digits, e.g. <c>CDC006</c>.</summary>
    /// <param name="number">The error's numeric value.</param>
    /// <returns>The stable text code.</returns>
    public static string Format(int number) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{number:D3}");
}
