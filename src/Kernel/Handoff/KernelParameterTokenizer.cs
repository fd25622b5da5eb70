namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Splits a kernel command line the way <c>parse_args</c> and <c>next_arg</c> (kernel/params.c) do, on bytes and
/// without copying: whitespace separates parameters, double quotes group, a quote opening the parameter or its value
/// is dropped with the matching last byte, and a bare <c>--</c> ends the kernel's parameters (the rest belongs to
/// init). The line ends at the first NUL.
/// </summary>
internal ref struct KernelParameterTokenizer
{
    private readonly ReadOnlySpan<byte> _line;
    private int _position;

    public KernelParameterTokenizer(ReadOnlySpan<byte> commandLine)
    {
        int nul = commandLine.IndexOf((byte)0);
        _line = nul >= 0 ? commandLine[..nul] : commandLine;
        _position = SkipSpaces(_line, 0);
    }

    /// <summary>Whether the walk stopped at a bare <c>--</c> rather than at the end of the line.</summary>
    public bool StoppedAtDoubleDash { get; private set; }

    /// <summary>Where the walk stopped: the start of the <c>--</c>, or the end of the line (its first NUL).</summary>
    public readonly int EndOffset => StoppedAtDoubleDash ? _position : _line.Length;

    /// <summary>Moves to the next kernel parameter; false at the end of the line or at <c>--</c>.</summary>
    public bool MoveNext(out KernelParameter parameter)
    {
        if (_position >= _line.Length || StoppedAtDoubleDash)
        {
            parameter = default;
            return false;
        }

        int start = _position;
        parameter = NextArg(_line, start, out int next);

        // parse_args: "Stop at --" (only a parameter without '=').
        if (!parameter.HasValue && parameter.Name.SequenceEqual("--"u8))
        {
            StoppedAtDoubleDash = true;
            _position = start;
            parameter = default;
            return false;
        }

        _position = SkipSpaces(_line, next);
        return true;
    }

    /// <summary>
    /// The kernel's <c>isspace</c> (lib/ctype.c): the C whitespace set plus 0xA0, which the kernel's Latin-1 ctype
    /// table marks as space. The kernel works on bytes, so 0xA0 is a space wherever it occurs, even inside UTF-8.
    /// </summary>
    public static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r' or 0xA0;

    private static int SkipSpaces(ReadOnlySpan<byte> line, int position)
    {
        while (position < line.Length && IsSpace(line[position]))
        {
            position++;
        }

        return position;
    }

    // next_arg, with each '\0' the kernel writes into the line turned into a slice end; `next` is where the kernel resumes.
    private static KernelParameter NextArg(ReadOnlySpan<byte> line, int start, out int next)
    {
        int argsStart = start;
        bool inQuote = false;
        bool quoted = false;
        if (line[start] == '"')
        {
            argsStart++;
            inQuote = true;
            quoted = true;
        }

        ReadOnlySpan<byte> args = line[argsStart..];
        int i;
        int equals = 0;
        for (i = 0; i < args.Length; i++)
        {
            byte c = args[i];
            if (IsSpace(c) && !inQuote)
            {
                break;
            }

            // As in the kernel, an '=' at index 0 leaves equals at 0, so a later '=' can still split.
            if (equals == 0 && c == '=')
            {
                equals = i;
            }

            if (c == '"')
            {
                inQuote = !inQuote;
            }
        }

        // Stryker disable once Conditional,Equality : SkipSpaces skips the separator at i; past the end ends the walk as the end does
        next = argsStart + (i < args.Length ? i + 1 : i);
        bool stripClosingQuote = quoted && i > 0 && args[i - 1] == '"';
        if (equals == 0)
        {
            return new KernelParameter(args[..(stripClosingQuote ? i - 1 : i)], argsStart, default, argsStart + i, hasValue: false);
        }

        int valueStart = equals + 1;
        int valueEnd = i;
        if (valueStart < i && args[valueStart] == '"')
        {
            // "Don't include quotes in value."
            valueStart++;
            if (args[i - 1] == '"')
            {
                valueEnd = i - 1;
            }
        }

        if (stripClosingQuote)
        {
            valueEnd = i - 1;
        }

        // A lone '"' value: the kernel's NUL lands before the value start, which leaves it empty.
        valueEnd = Math.Max(valueStart, valueEnd);
        return new KernelParameter(args[..equals], argsStart, args[valueStart..valueEnd], argsStart + valueStart, hasValue: true);
    }
}
