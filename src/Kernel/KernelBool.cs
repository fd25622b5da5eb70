namespace CrashDmCrypt.Kernel;

/// <summary>
/// <c>kstrtobool</c> (lib/kstrtox.c:355-393), which the <c>reuse</c> and <c>restore</c> attributes use:
/// only the first character (two for <c>on</c>/<c>off</c>) counts: one of <c>EeYyTt1</c> is true, <c>DdNnFf0</c>
/// false, so <c>yes</c>, <c>enable</c>, <c>1</c> and even <c>yellow</c> mean true, <c>disable</c> false.
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
            // 'e'/'E' (enable) and 'd'/'D' (disable) too (lib/kstrtox.c:361-362, :370-371).
            case (byte)'e' or (byte)'E' or (byte)'y' or (byte)'Y' or (byte)'t' or (byte)'T' or (byte)'1':
                value = true;
                return true;
            case (byte)'d' or (byte)'D' or (byte)'n' or (byte)'N' or (byte)'f' or (byte)'F' or (byte)'0':
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
