namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Named relaxations of the strict command-line rules, each matching one thing the kernel's
/// <c>setup_dmcryptkeys</c> / <c>memparse</c> accepts. <see cref="None"/> (strict) is the default;
/// <see cref="Kernel"/> gives exactly the value the kdump kernel ends up with in <c>dm_crypt_keys_addr</c>.
/// </summary>
[Flags]
internal enum CommandLineRelaxations
{
    /// <summary>Strict: every relaxation off.</summary>
    None = 0,

    /// <summary>
    /// Ignore characters after the number and its suffix (<c>0x1000KB</c>, <c>08</c> read as 0):
    /// <c>setup_dmcryptkeys</c> only checks that <c>memparse</c> consumed something.
    /// </summary>
    IgnoreTrailingCharacters = 1,

    /// <summary>
    /// Let a number past 64 bits, or a suffix shift that drops high bits, give <c>ULLONG_MAX</c>:
    /// <c>_parse_integer_limit</c> saturates (lib/kstrtox.c:83-88) and so does <c>memparse</c>'s shift
    /// (lib/cmdline.c:191-192). A suffix with no digits before it is never consumed (lib/cmdline.c:189), so
    /// <c>dmcryptkeys=K</c> is no number in either rule set.
    /// </summary>
    SaturateOnOverflow = 2,

    /// <summary>
    /// Skip a bare <c>dmcryptkeys</c> (no <c>=</c>) instead of letting it decide: the kernel returns
    /// -EINVAL before touching the address, so an earlier occurrence's value survives.
    /// </summary>
    SkipBareName = 8,

    /// <summary>Return address 0 instead of <see cref="CommandLineError.AddressZero"/>.</summary>
    AllowZeroAddress = 16,

    /// <summary>Every relaxation: the kernel's own result.</summary>
    Kernel = IgnoreTrailingCharacters | SaturateOnOverflow | SkipBareName | AllowZeroAddress,
}
