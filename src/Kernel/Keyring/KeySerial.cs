using System.Globalization;

namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// A key's serial number (<c>key_serial_t</c>), or one of the special keyring ids (<c>KEY_SPEC_*</c>, negative)
/// that the kernel resolves against the calling thread's credentials.
/// </summary>
/// <param name="Value">The serial; positive for a real key, negative for a special id, 0 for none.</param>
public readonly record struct KeySerial(int Value)
{
    /// <summary>No key (0): as a destination, "do not link the key anywhere".</summary>
    public static KeySerial None => default;

    /// <summary><c>KEY_SPEC_THREAD_KEYRING</c>: the calling thread's own keyring.</summary>
    public static KeySerial ThreadKeyring => new(-1);

    /// <summary><c>KEY_SPEC_PROCESS_KEYRING</c>: the process keyring (kept in each thread's credentials).</summary>
    public static KeySerial ProcessKeyring => new(-2);

    /// <summary><c>KEY_SPEC_SESSION_KEYRING</c>: the calling thread's session keyring.</summary>
    public static KeySerial SessionKeyring => new(-3);

    /// <summary><c>KEY_SPEC_USER_KEYRING</c>: the keyring every process of the user shares.</summary>
    public static KeySerial UserKeyring => new(-4);

    /// <summary><c>KEY_SPEC_USER_SESSION_KEYRING</c>: the user's default session keyring.</summary>
    public static KeySerial UserSessionKeyring => new(-5);

    /// <summary>Whether this is a <c>KEY_SPEC_*</c> id rather than a key's serial.</summary>
    public bool IsSpecial => Value < 0;

    /// <summary>The serial in decimal, as <c>keyctl</c> prints it.</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
