using System.Buffers;
using System.Buffers.Text;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The x86 handoff of the blob's address: <c>dmcryptkeys=</c> on the kdump kernel's command line, read with the
/// kernel's own splitting (<c>parse_args</c>) and number syntax (<c>memparse</c>). The kernel works on bytes, so
/// does this: pass the bytes of <c>/proc/cmdline</c> (or the UTF-8 bytes of a string). Parsing never allocates and
/// never throws on hostile bytes.
/// </summary>
public static class KernelCommandLine
{
    /// <summary>The early parameter's name (<c>early_param("dmcryptkeys", ...)</c>).</summary>
    public const string DmCryptKeysParameterName = "dmcryptkeys";

    /// <summary>Longest text <see cref="WriteDmCryptKeysParameter"/> writes: <c>dmcryptkeys=0x</c>, 16 hex digits and a space.</summary>
    public const int MaxDmCryptKeysParameterLength = 12 + 2 + 16 + 1;

    private static ReadOnlySpan<byte> ParameterName => "dmcryptkeys"u8;

    private static ReadOnlySpan<byte> ParameterPrefix => "dmcryptkeys=0x"u8;

    /// <summary>Finds the blob's address on a kernel command line with the strict rules (<see cref="CommandLineMode.Strict"/>).</summary>
    /// <inheritdoc cref="TryGetDmCryptKeysAddress(ReadOnlySpan{byte}, CommandLineMode, out ulong, out CommandLineProblem)"/>
    public static bool TryGetDmCryptKeysAddress(ReadOnlySpan<byte> commandLine, out ulong address, out CommandLineProblem problem) =>
        TryGetDmCryptKeysAddress(commandLine, CommandLineRelaxations.None, out address, out problem);

    /// <summary>
    /// Finds the blob's address on a kernel command line (the bytes of <c>/proc/cmdline</c>). Parameters are split
    /// as <c>parse_args</c> splits them; the last <c>dmcryptkeys</c> decides, as each call of
    /// <c>setup_dmcryptkeys</c> overwrites the previous address; a <c>dmcryptkeys</c> after a bare
    /// <c>--</c> does not count, because the kernel stops there and hands the rest to init. The name
    /// is matched exactly (<c>xdmcryptkeys=</c> is another parameter).
    /// </summary>
    /// <param name="commandLine">The command line's bytes; it ends at its first NUL, if any.</param>
    /// <param name="mode">The rule set; <see cref="CommandLineMode.Kernel"/> gives the kernel's result.</param>
    /// <param name="address">The address; 0 on failure.</param>
    /// <param name="problem">Why the address was refused, and where; <c>default</c> on success.</param>
    /// <returns>Whether an address was found.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined mode.</exception>
    public static bool TryGetDmCryptKeysAddress(ReadOnlySpan<byte> commandLine, CommandLineMode mode, out ulong address, out CommandLineProblem problem) =>
        TryGetDmCryptKeysAddress(commandLine, RelaxationsOf(mode), out address, out problem);

    // The rule set as its named relaxations, each alone testable; the public surface names only the two modes.
    internal static bool TryGetDmCryptKeysAddress(ReadOnlySpan<byte> commandLine, CommandLineRelaxations relaxations, out ulong address, out CommandLineProblem problem)
    {
        CheckRelaxations(relaxations);
        bool found = false;
        int bareNameOffset = -1;
        // Stryker disable once Boolean : read only when found is true, and assigned whenever found is
        bool hasValue = false;
        int nameOffset = 0;
        int valueOffset = 0;
        ReadOnlySpan<byte> value = default;
        var tokenizer = new KernelParameterTokenizer(commandLine);
        while (tokenizer.MoveNext(out KernelParameter parameter))
        {
            // do_early_param compares with parameq; the name has no '-' or '_', so that is an exact match.
            if (!parameter.Name.SequenceEqual(ParameterName))
            {
                continue;
            }

            if (!parameter.HasValue && Has(relaxations, CommandLineRelaxations.SkipBareName))
            {
                bareNameOffset = parameter.NameOffset;
                continue;
            }

            found = true;
            hasValue = parameter.HasValue;
            nameOffset = parameter.NameOffset;
            valueOffset = parameter.ValueOffset;
            value = parameter.Value;
        }

        address = 0;
        if (!found)
        {
            problem = bareNameOffset >= 0
                ? new CommandLineProblem { Error = CommandLineError.ValueMissing, Offset = bareNameOffset }
                : new CommandLineProblem { Error = CommandLineError.ParameterMissing, Offset = tokenizer.EndOffset };
            return false;
        }

        if (!hasValue)
        {
            problem = new CommandLineProblem { Error = CommandLineError.ValueMissing, Offset = nameOffset };
            return false;
        }

        CommandLineError error = Memparse(value, relaxations, out ulong parsed, out int position);
        if (error == CommandLineError.None && parsed == 0 && !Has(relaxations, CommandLineRelaxations.AllowZeroAddress))
        {
            error = CommandLineError.AddressZero;
            position = 0;
        }

        if (error != CommandLineError.None)
        {
            problem = new CommandLineProblem { Error = error, Offset = valueOffset + position };
            return false;
        }

        problem = default;
        address = parsed;
        return true;
    }

    /// <summary>Parses a number with the kernel's <c>memparse</c> syntax and the strict rules.</summary>
    /// <inheritdoc cref="TryParseMemparse(ReadOnlySpan{byte}, CommandLineMode, out ulong, out CommandLineProblem)"/>
    public static bool TryParseMemparse(ReadOnlySpan<byte> text, out ulong value, out CommandLineProblem problem) =>
        TryParseMemparse(text, CommandLineRelaxations.None, out value, out problem);

    /// <summary>
    /// Parses a number with the kernel's <c>memparse</c> syntax: a C base-0 number (<c>0x</c>/<c>0X</c>
    /// then at least one hex digit, else a leading <c>0</c> for octal, else decimal) then an optional
    /// suffix K, M, G, T, P or E in either case, a left shift by 10, 20, 30, 40, 50 or 60 bits.
    /// No sign and no leading whitespace, as in <c>simple_strtoull</c>.
    /// </summary>
    /// <param name="text">The whole value; with the strict rules nothing may follow the number and suffix.</param>
    /// <param name="mode">
    /// The rule set; <see cref="CommandLineMode.Kernel"/> ignores what follows the number and its suffix, and saturates
    /// at <c>ULLONG_MAX</c>, as <c>memparse</c> does.
    /// </param>
    /// <param name="value">The value; 0 on failure.</param>
    /// <param name="problem">Why the text was refused, with the offset in <paramref name="text"/>; <c>default</c> on success.</param>
    /// <returns>Whether the text is a number.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined mode.</exception>
    public static bool TryParseMemparse(ReadOnlySpan<byte> text, CommandLineMode mode, out ulong value, out CommandLineProblem problem) =>
        TryParseMemparse(text, RelaxationsOf(mode), out value, out problem);

    internal static bool TryParseMemparse(ReadOnlySpan<byte> text, CommandLineRelaxations relaxations, out ulong value, out CommandLineProblem problem)
    {
        CheckRelaxations(relaxations);
        CommandLineError error = Memparse(text, relaxations, out value, out int position);
        if (error != CommandLineError.None)
        {
            value = 0;
            problem = new CommandLineProblem { Error = error, Offset = position };
            return false;
        }

        problem = default;
        return true;
    }

    /// <summary>
    /// The parameter exactly as the x86 kexec loader writes it after <c>elfcorehdr=</c>
    /// (<c>"dmcryptkeys=0x%lx "</c>): lowercase hex, no leading zeros, one trailing space.
    /// </summary>
    /// <param name="address">The blob's address.</param>
    /// <returns>The parameter text.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="address"/> is 0; the loader writes no parameter when there is no blob.</exception>
    public static string FormatDmCryptKeysParameter(ulong address)
    {
        Span<byte> buffer = stackalloc byte[MaxDmCryptKeysParameterLength];
        if (WriteDmCryptKeysParameter(address, buffer, out int written, out CommandLineProblem problem) != OperationStatus.Done)
        {
            throw new ArgumentOutOfRangeException(nameof(address), address, problem.Message);
        }

        return System.Text.Encoding.ASCII.GetString(buffer[..written]);
    }

    /// <summary>Writes the parameter as <see cref="FormatDmCryptKeysParameter"/> returns it, as ASCII bytes, without allocating.</summary>
    /// <param name="address">The blob's address.</param>
    /// <param name="destination">Where to write; <see cref="MaxDmCryptKeysParameterLength"/> bytes always suffice.</param>
    /// <param name="bytesWritten">Bytes written; 0 unless the status is <see cref="OperationStatus.Done"/>.</param>
    /// <param name="problem"><see cref="CommandLineError.AddressZero"/> for address 0; <c>default</c> otherwise.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.InvalidData"/> for address 0 (the loader writes
    /// no parameter then); <see cref="OperationStatus.DestinationTooSmall"/>.
    /// </returns>
    public static OperationStatus WriteDmCryptKeysParameter(ulong address, Span<byte> destination, out int bytesWritten, out CommandLineProblem problem)
    {
        bytesWritten = 0;
        if (address == 0)
        {
            problem = new CommandLineProblem { Error = CommandLineError.AddressZero, Offset = ParameterPrefix.Length };
            return OperationStatus.InvalidData;
        }

        problem = default;
        int digits = (64 - System.Numerics.BitOperations.LeadingZeroCount(address) + 3) / 4;
        int length = ParameterPrefix.Length + digits + 1;
        if (destination.Length < length)
        {
            return OperationStatus.DestinationTooSmall;
        }

        ParameterPrefix.CopyTo(destination);
        Utf8Formatter.TryFormat(address, destination[ParameterPrefix.Length..], out _, new StandardFormat('x'));
        destination[length - 1] = (byte)' ';
        bytesWritten = length;
        return OperationStatus.Done;
    }

    // memparse(arg, &end) followed by setup_dmcryptkeys' "end > arg" check, with each kernel leniency behind its relaxation.
    // position: on success the bytes consumed; on failure the offset of the first byte that breaks the rule.
    internal static CommandLineError Memparse(ReadOnlySpan<byte> text, CommandLineRelaxations relaxations, out ulong value, out int position)
    {
        value = 0;
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

        bool saturate = Has(relaxations, CommandLineRelaxations.SaturateOnOverflow);
        int firstDigit = pos;
        ulong result = 0;
        for (; pos < text.Length; pos++)
        {
            uint digit = DigitValue(text[pos]);
            if (digit >= radix)
            {
                break;
            }

            // _parse_integer_limit sets ULLONG_MAX on overflow and keeps it for every later digit (lib/kstrtox.c:83-88).
            if (result > (ulong.MaxValue - digit) / radix)
            {
                if (!saturate)
                {
                    position = pos;
                    return CommandLineError.Overflow;
                }

                result = ulong.MaxValue;
                continue;
            }

            result = (result * radix) + digit;
        }

        bool hasDigits = pos > firstDigit;
        int shift = pos < text.Length ? SuffixShift(text[pos]) : 0;
        // memparse consumes a suffix only after digits (lib/cmdline.c:189); setup_dmcryptkeys then sees end == arg.
        if (!hasDigits)
        {
            position = 0;
            return CommandLineError.NoDigits;
        }

        if (shift != 0)
        {
            // check_shl_overflow, then ULLONG_MAX (lib/cmdline.c:191-192).
            if (result >> (64 - shift) != 0)
            {
                if (!saturate)
                {
                    position = pos;
                    return CommandLineError.SuffixOverflow;
                }

                result = ulong.MaxValue;
            }
            else
            {
                result <<= shift;
            }

            pos++;
        }

        if (pos < text.Length && !Has(relaxations, CommandLineRelaxations.IgnoreTrailingCharacters))
        {
            position = pos;
            return CommandLineError.TrailingCharacters;
        }

        value = result;
        position = pos;
        return CommandLineError.None;
    }

    // The digit tests of _parse_integer_limit; anything else is 16 or more, which ends every radix.
    private static uint DigitValue(byte c)
    {
        if (c is >= (byte)'0' and <= (byte)'9')
        {
            return (uint)(c - '0');
        }

        int lower = c | 0x20;
        return lower is >= 'a' and <= 'f' ? (uint)(lower - 'a' + 10) : 16;
    }

    private static int SuffixShift(byte c) => c switch
    {
        (byte)'K' or (byte)'k' => 10,
        (byte)'M' or (byte)'m' => 20,
        (byte)'G' or (byte)'g' => 30,
        (byte)'T' or (byte)'t' => 40,
        (byte)'P' or (byte)'p' => 50,
        (byte)'E' or (byte)'e' => 60,
        _ => 0,
    };

    private static bool Has(CommandLineRelaxations relaxations, CommandLineRelaxations flag) => (relaxations & flag) != 0;

    private static CommandLineRelaxations RelaxationsOf(CommandLineMode mode) => mode switch
    {
        CommandLineMode.Strict => CommandLineRelaxations.None,
        CommandLineMode.Kernel => CommandLineRelaxations.Kernel,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Undefined command-line mode."),
    };

    private static void CheckRelaxations(CommandLineRelaxations relaxations)
    {
        if ((relaxations & ~CommandLineRelaxations.Kernel) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(relaxations), relaxations, "Undefined command-line relaxation.");
        }
    }
}
