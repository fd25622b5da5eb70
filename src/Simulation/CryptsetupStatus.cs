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

    /// <summary>The key has expired.</summary>
    KeyExpired = 3,

    /// <summary>A key was found but does not unlock the volume.</summary>
    WrongKey = 4,
}
