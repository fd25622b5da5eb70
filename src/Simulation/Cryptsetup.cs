using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation;

/// <summary>The part of cryptsetup the kdump initramfs uses: <c>cryptsetup luksOpen --volume-key-keyring %user:kdump-cryptsetup:vk-&lt;UUID&gt;</c>.</summary>
internal static class Cryptsetup
{
    private const string UserPrefix = "%user:";

    /// <summary>The <c>--volume-key-keyring</c> value kdump-utils passes for <paramref name="volume"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="volume"/> is null.</exception>
    public static string VolumeKeyKeyringSpec(LuksVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return UserPrefix + volume.KeyDescription;
    }

    /// <summary>Looks the user key named by <paramref name="keyringSpec"/> up in <paramref name="userKeyring"/> and tries it on <paramref name="volume"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static CryptsetupStatus OpenWithVolumeKeyKeyring(Keyring userKeyring, LuksVolume volume, string keyringSpec)
    {
        ArgumentNullException.ThrowIfNull(volume);
        CryptsetupStatus found = FindVolumeKey(userKeyring, keyringSpec, out ReadOnlyMemory<byte> key);
        return found != CryptsetupStatus.Opened ? found
            : volume.Accepts(key.Span) ? CryptsetupStatus.Opened
            : CryptsetupStatus.WrongKey;
    }

    /// <summary>
    /// The lookup half of <see cref="OpenWithVolumeKeyKeyring"/>: <see cref="CryptsetupStatus.Opened"/> with the
    /// key's bytes when the user key exists (cryptsetup's <c>request_key</c>), else why not.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static CryptsetupStatus FindVolumeKey(Keyring userKeyring, string keyringSpec, out ReadOnlyMemory<byte> key)
    {
        ArgumentNullException.ThrowIfNull(userKeyring);
        ArgumentNullException.ThrowIfNull(keyringSpec);
        key = default;
        if (!TryGetUserDescription(keyringSpec, out string description) || userKeyring.Type != KeyType.User)
        {
            return CryptsetupStatus.InvalidKeyringSpec;
        }

        return userKeyring.RequestKey(description, out key) switch
        {
            LinuxErrno.None => CryptsetupStatus.Opened,
            LinuxErrno.EKEYEXPIRED => CryptsetupStatus.KeyExpired,
            _ => CryptsetupStatus.KeyNotFound,
        };
    }

    /// <summary>The description in a <c>%user:DESCRIPTION</c> specification.</summary>
    public static bool TryGetUserDescription(string keyringSpec, out string description)
    {
        ArgumentNullException.ThrowIfNull(keyringSpec);
        bool ok = keyringSpec.StartsWith(UserPrefix, StringComparison.Ordinal) && keyringSpec.Length > UserPrefix.Length;
        description = ok ? keyringSpec[UserPrefix.Length..] : string.Empty;
        return ok;
    }
}
