namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>One parameter of a kernel command line, as <c>next_arg</c> splits it: slices of the input.</summary>
internal readonly ref struct KernelParameter
{
    public KernelParameter(ReadOnlySpan<char> name, ReadOnlySpan<char> value, bool hasValue)
    {
        Name = name;
        Value = value;
        HasValue = hasValue;
    }

    /// <summary>The text before the first <c>=</c>, without an enclosing pair of quotes.</summary>
    public ReadOnlySpan<char> Name { get; }

    /// <summary>The text after the first <c>=</c>, without its quotes; empty when <see cref="HasValue"/> is false.</summary>
    public ReadOnlySpan<char> Value { get; }

    /// <summary>Whether the parameter had an <c>=</c> (the kernel passes a NULL value otherwise).</summary>
    public bool HasValue { get; }
}

/// <summary>
/// Splits a kernel command line the way <c>parse_args</c> and <c>next_arg</c> (kernel/params.c) do,
/// without copying: whitespace separates parameters, double quotes group, a quote opening the
/// parameter or its value is dropped with the matching last character, and a bare <c>--</c>
/// ends the kernel's parameters (the rest belongs to init). The line ends at the first NUL.
/// </summary>
internal ref struct KernelParameterTokenizer
{
    private ReadOnlySpan<char> _rest;

    public KernelParameterTokenizer(ReadOnlySpan<char> commandLine)
    {
        int nul = commandLine.IndexOf('\0');
        _rest = SkipSpaces(nul >= 0 ? commandLine[..nul] : commandLine);
    }

    /// <summary>Whether the walk stopped at a bare <c>--</c> rather than at the end of the line.</summary>
    public bool StoppedAtDoubleDash { get; private set; }

    /// <summary>Moves to the next kernel parameter; false at the end of the line or at <c>--</c>.</summary>
    public bool MoveNext(out KernelParameter parameter)
    {
        if (_rest.IsEmpty || StoppedAtDoubleDash)
        {
            parameter = default;
            return false;
        }

        parameter = NextArg(_rest, out _rest);

        // parse_args: "Stop at --" (only a parameter without '=').
        if (!parameter.HasValue && parameter.Name.SequenceEqual("--"))
        {
            StoppedAtDoubleDash = true;
            parameter = default;
            return false;
        }

        return true;
    }

    /// <summary>The kernel's <c>isspace</c>: the C whitespace set plus Latin-1 NBSP (0xA0), which its ctype table marks as space.</summary>
    public static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '\u00a0';

    private static ReadOnlySpan<char> SkipSpaces(ReadOnlySpan<char> text)
    {
        int i = 0;
        while (i < text.Length && IsSpace(text[i]))
        {
            i++;
        }

        return text[i..];
    }

    // next_arg, with each '\0' the kernel writes into the line turned into a slice end.
    private static KernelParameter NextArg(ReadOnlySpan<char> line, out ReadOnlySpan<char> rest)
    {
        ReadOnlySpan<char> args = line;
        bool inQuote = false;
        bool quoted = false;
        if (args[0] == '"')
        {
            args = args[1..];
            inQuote = true;
            quoted = true;
        }

        int i;
        int equals = 0;
        for (i = 0; i < args.Length; i++)
        {
            char c = args[i];
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

        bool stripClosingQuote = quoted && i > 0 && args[i - 1] == '"';
        KernelParameter parameter;
        if (equals == 0)
        {
            parameter = new KernelParameter(args[..(stripClosingQuote ? i - 1 : i)], default, hasValue: false);
        }
        else
        {
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
            parameter = new KernelParameter(args[..equals], args[valueStart..valueEnd], hasValue: true);
        }

        rest = SkipSpaces(i < args.Length ? args[(i + 1)..] : default);
        return parameter;
    }
}
