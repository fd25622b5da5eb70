namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>Which rule set <see cref="KernelCommandLine"/> applies.</summary>
public enum CommandLineMode
{
    /// <summary>
    /// The default: a value is one number with an optional suffix and nothing after it, within 64 bits, not 0; a bare
    /// <c>dmcryptkeys</c> is refused where it stands.
    /// </summary>
    Strict = 0,

    /// <summary>
    /// The value the kdump kernel ends up with in <c>dm_crypt_keys_addr</c>: what follows the number is ignored
    /// (<c>setup_dmcryptkeys</c> only checks that <c>memparse</c> consumed something), a number past 64 bits gives
    /// <c>ULLONG_MAX</c> (lib/kstrtox.c:83-88, lib/cmdline.c:191-192), a bare <c>dmcryptkeys</c> is skipped (its
    /// -EINVAL leaves an earlier value standing) and address 0 is returned.
    /// </summary>
    Kernel = 1,
}
