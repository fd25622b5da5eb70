using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation;

/// <summary>The part of cryptsetup the kdump initramfs uses: <c>cryptsetup luksOpen --volume-key-keyring %user:kdump-cryptsetup:vk-<c>cryptsetup open --volume-key-keyring %user:cryptsetup:&lt;UUID&gt;</c>lt;UUID<c>cryptsetup open --volume-key-keyring %user:cryptsetup:&lt;UUID&gt;</c>gt;</c>.</summary>
internal static class Cryptsetup
{
    /// <summary>The <c>--volume-key-keyring</c> value kdump-utils passes for <paramref name="volume"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="volume"/> is null.</exception>
    public static string VolumeKeyKeyringSpec(LuksVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return "%user:" + volume.KeyDescription;
    }

    /// <summary>Looks the user key named by <paramref name="keyringSpec"/> up in <paramref name="userKeyring"/> and tries it on <paramref name="volume"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static CryptsetupStatus OpenWithVolumeKeyKeyring(Keyring userKeyring, LuksVolume volume, string keyringSpec)
    {
        ArgumentNullException.ThrowIfNull(userKeyring);
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(keyringSpec);
        const string prefix = "%user:";
        if (userKeyring.Type != KeyType.User || !keyringSpec.StartsWith(prefix, StringComparison.Ordinal) || keyringSpec.Length == prefix.Length)
        {
            return CryptsetupStatus.InvalidKeyringSpec;
        }

        return userKeyring.RequestKey(keyringSpec[prefix.Length..], out ReadOnlyMemory<byte> key) switch
        {
            LinuxErrno.None => volume.Accepts(key.Span) ? CryptsetupStatus.Opened : CryptsetupStatus.WrongKey,
            LinuxErrno.EKEYEXPIRED => CryptsetupStatus.KeyExpired,
            _ => CryptsetupStatus.KeyNotFound,
        };
    }
}
