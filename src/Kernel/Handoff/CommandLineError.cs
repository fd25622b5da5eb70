namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Every way <c>dmcryptkeys=</c> on a kernel command line can be refused. Each value is the number of the member's
/// stable code (<c>CDC101</c>..; see <c>spec/ERRORS.md</c>); new members only ever get new numbers.
/// </summary>
public enum CommandLineError
{
    /// <summary>No error.</summary>
    None = 0,

    /// <summary>No <c>dmcryptkeys</c> parameter before the end of the kernel parameters (the end of the line or <c>--</c>).</summary>
    ParameterMissing = 101,

    /// <summary>
    /// The deciding occurrence is a bare <c>dmcryptkeys</c> with no <c>=</c>: <c>setup_dmcryptkeys</c>
    /// returns -EINVAL for a NULL argument.
    /// </summary>
    ValueMissing = 102,

    /// <summary>
    /// The value does not start with a digit (this includes <c>dmcryptkeys=</c> with an empty value):
    /// <c>memparse</c> consumes nothing, so the kernel resets the address to 0 and fails.
    /// </summary>
    NoDigits = 103,

    /// <summary>The number does not fit in 64 bits (the kernel's <c>simple_strtoull</c> silently gives <c>ULLONG_MAX</c>, lib/kstrtox.c:83-88).</summary>
    Overflow = 104,

    /// <summary>The K/M/G/T/P/E suffix shifts set bits out of 64 bits (the kernel's <c>memparse</c> silently gives <c>ULLONG_MAX</c>, lib/cmdline.c:191-192).</summary>
    SuffixOverflow = 105,

    /// <summary>Characters follow the number and its suffix (the kernel ignores them; strict only).</summary>
    TrailingCharacters = 106,

    /// <summary>
    /// The address is 0. The x86 loader writes no parameter at all when there is no blob, and the
    /// kernel uses 0 as "no address" (strict only; for the writer, always).
    /// </summary>
    AddressZero = 107,
}
