namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>Which part of a known key a raw-key or schedule finding is made from.</summary>
public enum KeyPart
{
    /// <summary>The whole key.</summary>
    Whole = 0,

    /// <summary>The first half (in AES-XTS the data key).</summary>
    FirstHalf = 1,

    /// <summary>The second half (in AES-XTS the tweak key).</summary>
    SecondHalf = 2,
}
