namespace CrashDmCrypt.Simulation;

/// <summary>How <c>cryptsetup open --volume-key-keyring</c> ended in the model.</summary>
public enum CryptsetupStatus
{
    /// <summary>The key was found and unlocks the volume.</summary>
    Opened = 0,

    /// <summary>The keyring specification is not <c>%user:DESCRIPTION</c>.</summary>
    InvalidKeyringSpec = 1,

    /// <summary>No such user key (ENOKEY): the restore did not bring it over.</summary>
    KeyNotFound = 2,

    /// <summary>The key has expired (not seen in practice: <c>request_key</c>, which cryptsetup uses, reports an expired key as ENOKEY).</summary>
    KeyExpired = 3,

    /// <summary>A key was found but does not unlock the volume.</summary>
    WrongKey = 4,

    /// <summary>The key could not be checked: the real user key could not be read, or cryptsetup failed or had no image.</summary>
    CheckFailed = 5,
}
