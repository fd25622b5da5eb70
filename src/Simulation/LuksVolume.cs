using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Simulation;

/// <summary>A LUKS volume of the model: its UUID and its volume key (pinned, zeroised on dispose).</summary>
internal sealed class LuksVolume : IDisposable
{
    private readonly SecretBuffer _volumeKey;

    /// <summary>A volume with a copy of <paramref name="volumeKey"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="uuid"/> is empty or <paramref name="volumeKey"/> is empty.</exception>
    public LuksVolume(string uuid, ReadOnlySpan<byte> volumeKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(uuid);
        if (volumeKey.IsEmpty)
        {
            throw new ArgumentException("A volume key has at least one byte.", nameof(volumeKey));
        }

        Uuid = uuid;
        _volumeKey = SecretBuffer.CopyOf(volumeKey);
    }

    /// <summary>The LUKS UUID.</summary>
    public string Uuid { get; }

    /// <summary>The logon key's description, as kdump-utils names it: <c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>.</summary>
    public string KeyDescription => KdumpUtils.KeyDescriptionPrefix + Uuid;

    /// <summary>The volume key's length in bytes.</summary>
    public int KeySize => _volumeKey.Length;

    /// <summary>The volume key (for linking it into a keyring at boot).</summary>
    public ReadOnlySpan<byte> VolumeKey => _volumeKey.Span;

    /// <summary>Whether <paramref name="candidate"/> is this volume's key (compared in constant time, as a key check would be).</summary>
    public bool Accepts(ReadOnlySpan<byte> candidate) =>
        CryptographicOperations.FixedTimeEquals(candidate, _volumeKey.Span);

    /// <summary>Zeroises the volume key.</summary>
    public void Dispose() => _volumeKey.Dispose();

    /// <summary>A UUID string from 16 bytes (version 4 layout), for reproducible model volumes.</summary>
    public static string FormatUuid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16)
        {
            throw new ArgumentException("A UUID has 16 bytes.", nameof(bytes));
        }

        Span<byte> b = stackalloc byte[16];
        bytes.CopyTo(b);
        b[6] = (byte)((b[6] & 0x0f) | 0x40);
        b[8] = (byte)((b[8] & 0x3f) | 0x80);
        var text = new StringBuilder(36);
        for (int i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                text.Append('-');
            }

            text.Append(b[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
