using System.Globalization;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The x86 handoff of the blob's address: <c>dmcryptkeys=</c> on the kdump kernel's command line,
/// read with the kernel's own splitting (<c>parse_args</c>) and number syntax (<c>memparse</c>).
/// Parsing never allocates and never throws on hostile text.
/// </summary>
public static class KernelCommandLine
{
    /// <summary>The early parameter's name (<c>early_param("dmcryptkeys", ...)</c>).</summary>
    public const string DmCryptKeysParameterName = "dmcryptkeys";

    /// <summary>Longest text <see cref="TryFormatDmCryptKeysParameter"/> writes: <c>dmcryptkeys=0x</c>, 16 hex digits and a space.</summary>
    public const int MaxDmCryptKeysParameterLength = 12 + 2 + 16 + 1;

    /// <summary>
    /// Finds the blob's address on a kernel command line with the strict rules
    /// (<see cref="CommandLineQuirks.None"/>).
    /// </summary>
    /// <inheritdoc cref="TryGetDmCryptKeysAddress(ReadOnlySpan{char}, CommandLineQuirks, out ulong, out CommandLineError)"/>
    public static bool TryGetDmCryptKeysAddress(ReadOnlySpan<char> commandLine, out ulong address, out CommandLineError error) =>
        TryGetDmCryptKeysAddress(commandLine, CommandLineQuirks.None, out address, out error);

    /// <summary>
    /// Finds the blob's address on a kernel command line (as in <c>/proc/cmdline</c>). Parameters are split
    /// as <c>parse_args</c> splits them; the last <c>dmcryptkeys</c> decides, as each call of
    /// <c>setup_dmcryptkeys</c> overwrites the previous address; a <c>dmcryptkeys</c> after a bare
    /// <c>--</c> does not count, because the kernel stops there and hands the rest to init. The name
    /// is matched exactly (<c>xdmcryptkeys=</c> is another parameter).
    /// </summary>
    /// <param name="commandLine">The command line; it ends at its first NUL, if any.</param>
    /// <param name="quirks">Relaxations to apply; <see cref="CommandLineQuirks.Kernel"/> gives the kernel's result.</param>
    /// <param name="address">The address; 0 on failure.</param>
    /// <param name="error">Why the address was refused; <see cref="CommandLineError.None"/> on success.</param>
    /// <returns>Whether an address was found.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quirks"/> holds an undefined flag.</exception>
    public static bool TryGetDmCryptKeysAddress(ReadOnlySpan<char> commandLine, CommandLineQuirks quirks, out ulong address, out CommandLineError error)
    {
        CheckQuirks(quirks);
        bool found = false;
        bool sawBareName = false;
        bool hasValue = false;
        ReadOnlySpan<char> value = default;
        var tokenizer = new KernelParameterTokenizer(commandLine);
        while (tokenizer.MoveNext(out KernelParameter parameter))
        {
            // do_early_param compares with parameq; the name has no '-' or '_', so that is an exact match.
            if (!parameter.Name.SequenceEqual(DmCryptKeysParameterName))
            {
                continue;
            }

            if (!parameter.HasValue && Has(quirks, CommandLineQuirks.SkipBareName))
            {
                sawBareName = true;
                continue;
            }

            found = true;
            hasValue = parameter.HasValue;
            value = parameter.Value;
        }

        address = 0;
        if (!found)
        {
            error = sawBareName ? CommandLineError.ValueMissing : CommandLineError.ParameterMissing;
            return false;
        }

        if (!hasValue)
        {
            error = CommandLineError.ValueMissing;
            return false;
        }

        error = Memparse(value, quirks, out ulong parsed, out _);
        if (error == CommandLineError.None && parsed == 0 && !Has(quirks, CommandLineQuirks.AllowZeroAddress))
        {
            error = CommandLineError.AddressZero;
        }

        if (error != CommandLineError.None)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>Parses a number with the kernel's <c>memparse</c> syntax and the strict rules.</summary>
    /// <inheritdoc cref="TryParseMemparse(ReadOnlySpan{char}, CommandLineQuirks, out ulong, out CommandLineError)"/>
    public static bool TryParseMemparse(ReadOnlySpan<char> text, out ulong value, out CommandLineError error) =>
        TryParseMemparse(text, CommandLineQuirks.None, out value, out error);

    /// <summary>
    /// Parses a number with the kernel's <c>memparse</c> syntax: a C base-0 number (<c>0x</c>/<c>0X</c>
    /// then at least one hex digit, else a leading <c>0</c> for octal, else decimal) then an optional
    /// suffix K, M, G, T, P or E in either case, a left shift by 10, 20, 30, 40, 50 or 60 bits.
    /// No sign and no leading whitespace, as in <c>simple_strtoull</c>.
    /// </summary>
    /// <param name="text">The whole value; with the strict rules nothing may follow the number and suffix.</param>
    /// <param name="quirks">
    /// Relaxations; only <see cref="CommandLineQuirks.IgnoreTrailingCharacters"/>,
    /// <see cref="CommandLineQuirks.WrapOnOverflow"/> and <see cref="CommandLineQuirks.AcceptSuffixWithoutDigits"/> matter here.
    /// </param>
    /// <param name="value">The value; 0 on failure.</param>
    /// <param name="error">Why the text was refused; <see cref="CommandLineError.None"/> on success.</param>
    /// <returns>Whether the text is a number.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="quirks"/> holds an undefined flag.</exception>
    public static bool TryParseMemparse(ReadOnlySpan<char> text, CommandLineQuirks quirks, out ulong value, out CommandLineError error)
    {
        CheckQuirks(quirks);
        error = Memparse(text, quirks, out value, out _);
        if (error != CommandLineError.None)
        {
            value = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// The parameter exactly as the x86 kexec loader writes it after <c>elfcorehdr=</c>
    /// (<c>"dmcryptkeys=0x%lx "</c>): lowercase hex, no leading zeros, one trailing space.
    /// </summary>
    /// <param name="address">The blob's address.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="address"/> is 0; the loader writes no parameter when there is no blob.</exception>
    public static string FormatDmCryptKeysParameter(ulong address)
    {
        Span<char> buffer = stackalloc char[MaxDmCryptKeysParameterLength];
        TryFormatDmCryptKeysParameter(buffer, address, out int written);
        return new string(buffer[..written]);
    }

    /// <summary>Writes the parameter as <see cref="FormatDmCryptKeysParameter"/> returns it, without allocating.</summary>
    /// <param name="destination">Where to write; <see cref="MaxDmCryptKeysParameterLength"/> characters always suffice.</param>
    /// <param name="address">The blob's address.</param>
    /// <param name="charsWritten">Characters written; 0 when <paramref name="destination"/> is too small.</param>
    /// <returns>Whether <paramref name="destination"/> was large enough.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="address"/> is 0.</exception>
    public static bool TryFormatDmCryptKeysParameter(Span<char> destination, ulong address, out int charsWritten)
    {
        ArgumentOutOfRangeException.ThrowIfZero(address);
        const string Prefix = DmCryptKeysParameterName + "=0x";
        charsWritten = 0;
        if (!Prefix.AsSpan().TryCopyTo(destination)
            || !address.TryFormat(destination[Prefix.Length..], out int digits, "x", CultureInfo.InvariantCulture)
            || destination.Length <= Prefix.Length + digits)
        {
            return false;
        }

        destination[Prefix.Length + digits] = ' ';
        charsWritten = Prefix.Length + digits + 1;
        return true;
    }

    // memparse(arg, &end) followed by setup_dmcryptkeys' "end > arg" check, with each kernel leniency behind its quirk.
    internal static CommandLineError Memparse(ReadOnlySpan<char> text, CommandLineQuirks quirks, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        int pos = 0;

        // _parse_integer_fixup_radix: "0x" counts only when a hex digit follows; otherwise a leading 0 means octal.
        uint radix = 10;
        if (text.Length > 0 && text[0] == '0')
        {
            radix = 8;
            if (text.Length > 2 && (text[1] | 0x20) == 'x' && DigitValue(text[2]) < 16)
            {
                radix = 16;
                pos = 2;
            }
        }

        bool wrap = Has(quirks, CommandLineQuirks.WrapOnOverflow);
        int firstDigit = pos;
        ulong result = 0;
        for (; pos < text.Length; pos++)
        {
            uint digit = DigitValue(text[pos]);
            if (digit >= radix)
            {
                break;
            }

            // _parse_integer_limit flags this and simple_strtoull ignores the flag: the value wraps.
            if (result > (ulong.MaxValue - digit) / radix && !wrap)
            {
                return CommandLineError.Overflow;
            }

            result = unchecked((result * radix) + digit);
        }

        bool hasDigits = pos > firstDigit;
        int shift = pos < text.Length ? SuffixShift(text[pos]) : 0;
        if (!hasDigits && (shift == 0 || !Has(quirks, CommandLineQuirks.AcceptSuffixWithoutDigits)))
        {
            return CommandLineError.NoDigits;
        }

        if (shift != 0)
        {
            if (result >> (64 - shift) != 0 && !wrap)
            {
                return CommandLineError.SuffixOverflow;
            }

            result <<= shift;
            pos++;
        }

        if (pos < text.Length && !Has(quirks, CommandLineQuirks.IgnoreTrailingCharacters))
        {
            return CommandLineError.TrailingCharacters;
        }

        value = result;
        consumed = pos;
        return CommandLineError.None;
    }

    // The digit tests of _parse_integer_limit; anything else is 16 or more, which ends every radix.
    private static uint DigitValue(char c)
    {
        if (c is >= '0' and <= '9')
        {
            return (uint)(c - '0');
        }

        int lower = c | 0x20;
        return lower is >= 'a' and <= 'f' ? (uint)(lower - 'a' + 10) : 16;
    }

    private static int SuffixShift(char c) => c switch
    {
        'K' or 'k' => 10,
        'M' or 'm' => 20,
        'G' or 'g' => 30,
        'T' or 't' => 40,
        'P' or 'p' => 50,
        'E' or 'e' => 60,
        _ => 0,
    };

    private static bool Has(CommandLineQuirks quirks, CommandLineQuirks flag) => (quirks & flag) != 0;

    private static void CheckQuirks(CommandLineQuirks quirks)
    {
        if ((quirks & ~CommandLineQuirks.Kernel) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(quirks), quirks, "Undefined command-line quirk.");
        }
    }
}
