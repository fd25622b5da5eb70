namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>Which AES key schedule a finding is.</summary>
public enum AesScheduleKind
{
    /// <summary>Not a schedule.</summary>
    None = 0,

    /// <summary>The encryption round keys (<c>key_enc</c> of <c>struct crypto_aes_ctx</c>, FIPS-197 5.2).</summary>
    Encryption = 1,

    /// <summary>The decryption round keys of the Equivalent Inverse Cipher (<c>key_dec</c>, FIPS-197 5.3.5).</summary>
    Decryption = 2,
}
