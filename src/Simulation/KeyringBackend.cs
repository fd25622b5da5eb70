namespace CrashDmCrypt.Simulation;

/// <summary>Which keyring a life-cycle run's keys live in.</summary>
public enum KeyringBackend
{
    /// <summary>The model's keyrings in memory, with the model's clock (the default).</summary>
    Model = 0,

    /// <summary>
    /// The real kernel's keyring, in private session keyrings: real <c>logon</c> keys at boot with real timeouts,
    /// the load's <c>request_key</c> answered by the kernel, and the restore into real <c>user</c> keys, which are
    /// read back, compared and revoked.
    /// </summary>
    Kernel = 1,
}
