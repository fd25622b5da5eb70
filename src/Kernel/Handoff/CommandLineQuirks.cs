namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Named relaxations of the strict command-line rules, each matching one thing the kernel's
/// <c>setup_dmcryptkeys</c> / <c>memparse</c> accepts. <see cref="None"/> (strict) is the default;
/// <see cref="Kernel"/> gives exactly the value the kdump kernel ends up with in <c>dm_crypt_keys_addr</c>.
/// </summary>
[Flags]
public enum CommandLineQuirks
{
    /// <summary>Strict: every relaxation off.</summary>
    None = 0,

    /// <summary>
    /// Ignore characters after the number and its suffix (<c>0x1000KB</c>, <c>08</c> read as 0):
    /// <c>setup_dmcryptkeys</c> only checks that <c>memparse</c> consumed something.
    /// </summary>
    IgnoreTrailingCharacters = 1,

    /// <summary>
    /// Let a number past 64 bits wrap and let the suffix shift drop high bits, as
    /// <c>simple_strtoull</c> (which ignores its overflow flag) and <c>memparse</c>'s <c>&lt;&lt;=</c> do.
    /// </summary>
    WrapOnOverflow = 2,

    /// <summary>
    /// Accept a suffix with no digits before it (<c>dmcryptkeys=K</c> is 0): <c>memparse</c> steps
    /// over the suffix, so its end pointer moves past the start and the kernel reports success.
    /// </summary>
    AcceptSuffixWithoutDigits = 4,

    /// <summary>
    /// Skip a bare <c>dmcryptkeys</c> (no <c>=</c>) instead of letting it decide: the kernel returns
    /// -EINVAL before touching the address, so an earlier occurrence's value survives.
    /// </summary>
    SkipBareName = 8,

    /// <summary>Return address 0 instead of <see cref="CommandLineError.AddressZero"/>.</summary>
    AllowZeroAddress = 16,

    /// <summary>Every relaxation: the kernel's own result.</summary>
    Kernel = IgnoreTrailingCharacters | WrapOnOverflow | AcceptSuffixWithoutDigits | SkipBareName | AllowZeroAddress,
}
