using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation;

/// <summary>How <see cref="Cryptsetup.OpenWithVolumeKeyKeyring"/> ended.</summary>
public enum CryptsetupStatus
{
    /// <summary>The key was found and unlocks the volume.</summary>
    Opened = 0,

    /// <summary>The keyring specification is not <c>%user:DESCRIPTION</c>.</summary>
    InvalidKeyringSpec = 1,

    /// <summary>No such user key (ENOKEY): the restore did not bring it over.</summary>
    KeyNotFound = 2,

    /// <summary>The key has expired.</summary>
    KeyExpired = 3,

    /// <summary>A key was found but does not unlock the volume.</summary>
    WrongKey = 4,
}

/// <summary>The part of cryptsetup the kdump initramfs uses: <c>cryptsetup open --volume-key-keyring %user:cryptsetup:&lt;UUID&gt;</c>.</summary>
public static class Cryptsetup
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
