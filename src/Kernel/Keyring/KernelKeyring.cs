using System.Security.Cryptography;
using System.Text;

namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// The kernel keyring through <c>add_key</c>, <c>request_key</c> and <c>keyctl</c>, with the calling thread's
/// credentials. On Linux the thread, process and session keyrings live in each thread's credentials, so what
/// a call sees (and which keys it "possesses", which is what the default key permissions check) depends on
/// the thread it runs on; a thread-pool thread sees the keyrings the process started with. For work that
/// must not touch the caller's keyrings, use <see cref="PrivateKeyringSession"/>, which runs these calls on
/// one thread of its own. Every failure is a <see cref="KeyringResult"/>, never an exception; only caller
/// misuse (a null argument) throws.
/// </summary>
public static unsafe class KernelKeyring
{
    /// <summary>Longest description the kernel copies (<c>strndup_user</c> with <c>KEY_MAX_DESC_SIZE</c> 4096, NUL included).</summary>
    public const int MaxDescriptionBytes = 4095;

    /// <summary>Largest payload <c>add_key</c> accepts (<c>plen &gt; 1024 * 1024 - 1</c> is EINVAL); a user or logon key holds at most 32767 bytes.</summary>
    public const int MaxPayloadBytes = (1024 * 1024) - 1;

    /// <summary>
    /// Whether the keyring calls work here: <see cref="KeyringStatus.Ok"/>, <see cref="KeyringStatus.Unsupported"/>
    /// (ENOSYS: no <c>CONFIG_KEYS</c>, or an unknown architecture) or <see cref="KeyringStatus.PermissionDenied"/>
    /// (a seccomp filter, as in a container's default profile, blocks them).
    /// </summary>
    public static KeyringResult Probe()
    {
        // Asks for the session keyring without creating one; a kernel with keyrings always answers.
        KeyringResult<KeySerial> session = GetKeyringId(KeySerial.SessionKeyring, create: false);
        return session.Status == KeyringStatus.KeyNotFound ? KeyringResult.Ok : session.Result;
    }

    /// <summary>
    /// <c>add_key</c>: creates a key in <paramref name="keyring"/>, or updates the payload of the key of the same
    /// type and description already linked there (create-or-update), and returns its serial.
    /// </summary>
    /// <param name="type">The key type.</param>
    /// <param name="description">The description; for <see cref="KeyType.Logon"/> it must hold a <c>:</c> after its first character.</param>
    /// <param name="payload">The key bytes (empty for a keyring). The kernel copies them; the caller keeps and clears its buffer.</param>
    /// <param name="keyring">Where to link the key (a serial or a special id; not <see cref="KeySerial.None"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public static KeyringResult<KeySerial> AddKey(KeyType type, string description, ReadOnlySpan<byte> payload, KeySerial keyring)
    {
        ArgumentNullException.ThrowIfNull(description);
        Span<byte> descriptionZ = stackalloc byte[MaxDescriptionBytes + 1];
        if (!TryEncode(description, descriptionZ) || payload.Length > MaxPayloadBytes)
        {
            return Refused<KeySerial>();
        }

        fixed (byte* typeName = TypeName(type))
        fixed (byte* desc = descriptionZ)
        fixed (byte* data = payload)
        {
            long serial = Interop.Libc.AddKey(typeName, desc, data, (nuint)payload.Length, keyring.Value, out LinuxErrno errno);
            return ToSerial(serial, errno);
        }
    }

    /// <summary>
    /// <see cref="AddKey(KeyType, string, ReadOnlySpan{byte}, KeySerial)"/> with the description as raw bytes, as
    /// the kdump kernel passes a blob entry's <c>key_desc</c> (no NUL inside; the terminator is added here).
    /// </summary>
    public static KeyringResult<KeySerial> AddKey(KeyType type, ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, KeySerial keyring)
    {
        Span<byte> descriptionZ = stackalloc byte[MaxDescriptionBytes + 1];
        if (description.Length > MaxDescriptionBytes || description.Contains((byte)0) || payload.Length > MaxPayloadBytes)
        {
            return Refused<KeySerial>();
        }

        description.CopyTo(descriptionZ);
        descriptionZ[description.Length] = 0;
        fixed (byte* typeName = TypeName(type))
        fixed (byte* desc = descriptionZ)
        fixed (byte* data = payload)
        {
            long serial = Interop.Libc.AddKey(typeName, desc, data, (nuint)payload.Length, keyring.Value, out LinuxErrno errno);
            return ToSerial(serial, errno);
        }
    }

    /// <summary>Creates a new, empty keyring linked into <paramref name="parent"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public static KeyringResult<KeySerial> CreateKeyring(string description, KeySerial parent) =>
        AddKey(KeyType.Keyring, description, [], parent);

    /// <summary>
    /// <c>request_key</c> without a callout: finds a key of <paramref name="type"/> and <paramref name="description"/>
    /// in the calling thread's keyrings (thread, process, session), as the kernel's own <c>request_key</c> in
    /// <c>build_keys_header</c> does. A missing key is <see cref="KeyringStatus.KeyNotFound"/>, an expired one
    /// <see cref="KeyringStatus.KeyExpired"/>, a revoked one <see cref="KeyringStatus.KeyRevoked"/>.
    /// </summary>
    /// <param name="type">The key type.</param>
    /// <param name="description">The exact description.</param>
    /// <param name="destination">A keyring to link the found key into, or <see cref="KeySerial.None"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public static KeyringResult<KeySerial> RequestKey(KeyType type, string description, KeySerial destination = default) =>
        Find(search: false, type, description, destination);

    /// <summary><c>KEYCTL_SEARCH</c>: finds a key of <paramref name="type"/> and <paramref name="description"/> in <paramref name="keyring"/> and the keyrings linked below it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    internal static KeyringResult<KeySerial> Search(KeySerial keyring, KeyType type, string description) =>
        Find(search: true, type, description, keyring);

    // request_key (keyring: where to link the key found) or KEYCTL_SEARCH (keyring: where to look), over the same
    // NUL-terminated description.
    private static KeyringResult<KeySerial> Find(bool search, KeyType type, string description, KeySerial keyring)
    {
        ArgumentNullException.ThrowIfNull(description);
        Span<byte> descriptionZ = stackalloc byte[MaxDescriptionBytes + 1];
        if (!TryEncode(description, descriptionZ))
        {
            return Refused<KeySerial>();
        }

        fixed (byte* typeName = TypeName(type))
        fixed (byte* desc = descriptionZ)
        {
            LinuxErrno errno;
            long serial = search
                ? Interop.Libc.Keyctl(Interop.Libc.KEYCTL_SEARCH, keyring.Value, (nint)typeName, (nint)desc, 0, out errno)
                : Interop.Libc.RequestKey(typeName, desc, keyring.Value, out errno);
            return ToSerial(serial, errno);
        }
    }

    /// <summary>
    /// <c>KEYCTL_READ</c>: copies the key's payload into <paramref name="destination"/> (pinned or stack memory
    /// the caller clears) and returns its length. No copy of the payload is made on the managed side. A payload
    /// longer than <paramref name="destination"/> gives <see cref="KeyringStatus.BufferTooSmall"/> with the
    /// payload's length as the value and nothing copied; a logon key gives <see cref="KeyringStatus.ReadNotSupported"/>.
    /// On every failure <paramref name="destination"/> is cleared.
    /// </summary>
    public static KeyringResult<int> Read(KeySerial key, Span<byte> destination)
    {
        long length;
        LinuxErrno errno;
        fixed (byte* buffer = destination)
        {
            length = Interop.Libc.Keyctl(Interop.Libc.KEYCTL_READ, key.Value, (nint)buffer, destination.Length, 0, out errno);
        }

        if (length >= 0 && length <= destination.Length)
        {
            return new(KeyringResult.Ok, (int)length);
        }

        // keyctl_read_key copies nothing when the buffer is short; a fault could have copied part of it.
        CryptographicOperations.ZeroMemory(destination);
        return length < 0
            ? new(KeyringResult.FromErrno(errno), 0)
            : new(new KeyringResult(KeyringStatus.BufferTooSmall, LinuxErrno.None), (int)Math.Min(length, int.MaxValue));
    }

    /// <summary><c>KEYCTL_SET_TIMEOUT</c>: the key expires <paramref name="seconds"/> from now; 0 removes the timeout.</summary>
    public static KeyringResult SetTimeout(KeySerial key, uint seconds) =>
        Keyctl(Interop.Libc.KEYCTL_SET_TIMEOUT, key.Value, (nint)seconds);

    /// <summary><c>KEYCTL_REVOKE</c>: every later use of the key gives EKEYREVOKED; the kernel wipes it soon after.</summary>
    public static KeyringResult Revoke(KeySerial key) => Keyctl(Interop.Libc.KEYCTL_REVOKE, key.Value, 0);

    /// <summary><c>KEYCTL_INVALIDATE</c>: the key disappears at once from every keyring.</summary>
    public static KeyringResult Invalidate(KeySerial key) => Keyctl(Interop.Libc.KEYCTL_INVALIDATE, key.Value, 0);

    /// <summary><c>KEYCTL_LINK</c>: links <paramref name="key"/> into <paramref name="keyring"/>.</summary>
    internal static KeyringResult Link(KeySerial key, KeySerial keyring) => Keyctl(Interop.Libc.KEYCTL_LINK, key.Value, keyring.Value);

    /// <summary><c>KEYCTL_UNLINK</c>: removes the link from <paramref name="keyring"/> to <paramref name="key"/>; a key no keyring links is destroyed.</summary>
    internal static KeyringResult Unlink(KeySerial key, KeySerial keyring) => Keyctl(Interop.Libc.KEYCTL_UNLINK, key.Value, keyring.Value);

    /// <summary><c>KEYCTL_CLEAR</c>: unlinks every key from <paramref name="keyring"/>.</summary>
    internal static KeyringResult Clear(KeySerial keyring) => Keyctl(Interop.Libc.KEYCTL_CLEAR, keyring.Value, 0);

    /// <summary><c>KEYCTL_GET_KEYRING_ID</c>: the serial behind a special id such as <see cref="KeySerial.SessionKeyring"/>.</summary>
    public static KeyringResult<KeySerial> GetKeyringId(KeySerial keyring, bool create)
    {
        long serial = Interop.Libc.Keyctl(Interop.Libc.KEYCTL_GET_KEYRING_ID, keyring.Value, create ? 1 : 0, 0, 0, out LinuxErrno errno);
        return ToSerial(serial, errno);
    }

    /// <summary>
    /// <c>KEYCTL_JOIN_SESSION_KEYRING</c> with no name: gives the calling thread (only this thread: Linux keeps
    /// the session keyring in per-thread credentials) a new anonymous session keyring, and returns its serial.
    /// Threads this thread creates afterwards inherit it.
    /// </summary>
    internal static KeyringResult<KeySerial> JoinNewSessionKeyring()
    {
        long serial = Interop.Libc.Keyctl(Interop.Libc.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0, out LinuxErrno errno);
        return ToSerial(serial, errno);
    }

    /// <summary>The NUL-terminated type name the syscalls expect.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is not defined.</exception>
    internal static ReadOnlySpan<byte> TypeName(KeyType type) => type switch
    {
        KeyType.User => "user\0"u8,
        KeyType.Logon => "logon\0"u8,
        KeyType.Keyring => "keyring\0"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a key type"),
    };

    private static bool TryEncode(string text, Span<byte> destination)
    {
        // A NUL would end the kernel's C string early, so the kernel would act on another description.
        if (text.Contains('\0', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(text) > destination.Length - 1)
        {
            return false;
        }

        int written = Encoding.UTF8.GetBytes(text, destination);
        destination[written] = 0;
        return true;
    }

    private static KeyringResult<T> Refused<T>() => new(new KeyringResult(KeyringStatus.InvalidArgument, LinuxErrno.None), default!);

    private static KeyringResult Keyctl(int operation, nint a2, nint a3)
    {
        long result = Interop.Libc.Keyctl(operation, a2, a3, 0, 0, out LinuxErrno errno);
        return result < 0 ? KeyringResult.FromErrno(errno) : KeyringResult.Ok;
    }

    private static KeyringResult<KeySerial> ToSerial(long serial, LinuxErrno errno) =>
        serial < 0 ? new(KeyringResult.FromErrno(errno), KeySerial.None) : new(KeyringResult.Ok, new KeySerial((int)serial));
}
