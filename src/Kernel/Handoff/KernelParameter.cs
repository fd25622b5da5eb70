namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>One parameter of a kernel command line, as <c>next_arg</c> splits it: slices of the input and their offsets.</summary>
internal readonly ref struct KernelParameter
{
    public KernelParameter(ReadOnlySpan<byte> name, int nameOffset, ReadOnlySpan<byte> value, int valueOffset, bool hasValue)
    {
        Name = name;
        NameOffset = nameOffset;
        Value = value;
        ValueOffset = valueOffset;
        HasValue = hasValue;
    }

    /// <summary>The bytes before the first <c>=</c>, without an enclosing pair of quotes.</summary>
    public ReadOnlySpan<byte> Name { get; }

    /// <summary>Offset of <see cref="Name"/> in the command line.</summary>
    public int NameOffset { get; }

    /// <summary>The bytes after the first <c>=</c>, without their quotes; empty when <see cref="HasValue"/> is false.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of <see cref="Value"/> in the command line (where it would start when empty).</summary>
    public int ValueOffset { get; }

    /// <summary>Whether the parameter had an <c>=</c> (the kernel passes a NULL value otherwise).</summary>
    public bool HasValue { get; }
}
