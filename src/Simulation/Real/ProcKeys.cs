using System.Globalization;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>A key's timeout as <c>/proc/keys</c> shows it to a process that possesses the key.</summary>
internal static class ProcKeys
{
    /// <summary>
    /// The fourth column of the key's row (<c>proc_keys_show</c>: "perm", "expd", or a count of s, m, h, d or w):
    /// <see cref="TimeSpan.Zero"/> for "perm" (no expiry, what <c>KEYCTL_SET_TIMEOUT</c> 0 gives), a finite
    /// timeout rounded down to its unit, null when the row cannot be read or the key has expired.
    /// </summary>
    public static TimeSpan? ReadTimeout(KeySerial key)
    {
        try
        {
            string serial = key.Value.ToString("x8", CultureInfo.InvariantCulture);
            foreach (string line in File.ReadLines("/proc/keys"))
            {
                string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 3 && columns[0] == serial)
                {
                    return ParseTimeout(columns[3]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    /// <summary>One timeout column: "perm" is zero; "5m" is 300 s; anything else is null.</summary>
    internal static TimeSpan? ParseTimeout(string text)
    {
        if (text == "perm")
        {
            return TimeSpan.Zero;
        }

        uint unit = text.Length > 1 ? text[^1] switch { 's' => 1u, 'm' => 60u, 'h' => 3600u, 'd' => 86400u, 'w' => 604800u, _ => 0u } : 0u;
        return unit != 0 && uint.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out uint count) && count > 0
            ? TimeSpan.FromSeconds(Math.Min((ulong)count * unit, uint.MaxValue))
            : null;
    }
}
