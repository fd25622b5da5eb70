namespace CrashDmCrypt.Kernel;

/// <summary>
/// <c>kstrtobool</c> (lib/kstrtox.c), which the <c>reuse</c> and <c>restore</c> attributes use:
/// only the first character (two for <c>on</c>/<c>off</c>) counts, so <c>yes</c>, <c>y</c>, <c>1</c>,
/// <c>true</c> and even <c>yellow</c> all mean true.
/// </summary>
public static class KernelBool
{
    /// <summary>Parses <paramref name="page"/> (the bytes written to the attribute) the way the kernel does.</summary>
    /// <returns><see langword="false"/> where the kernel returns -EINVAL (empty input or an unknown first character).</returns>
    public static bool TryParse(ReadOnlySpan<byte> page, out bool value)
    {
        value = false;
        if (page.IsEmpty)
        {
            return false;
        }

        switch (page[0])
        {
            case (byte)'y' or (byte)'Y' or (byte)'t' or (byte)'T' or (byte)'1':
                value = true;
                return true;
            case (byte)'n' or (byte)'N' or (byte)'f' or (byte)'F' or (byte)'0':
                return true;
            case (byte)'o' or (byte)'O' when page.Length > 1:
                switch (page[1])
                {
                    case (byte)'n' or (byte)'N':
                        value = true;
                        return true;
                    case (byte)'f' or (byte)'F':
                        return true;
                    default:
                        return false;
                }

            default:
                return false;
        }
    }
}
