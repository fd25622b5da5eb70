using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// A keyring of one key type: description to payload, each payload in a pinned <see cref="SecretBuffer"/>,
/// with optional expiry against the model's clock. Adding follows <c>key_create_or_update</c>: a key with
/// the same description is updated in place. <see cref="Dispose"/> zeroises every payload.
/// </summary>
internal sealed class Keyring : IKeyring
{
    /// <summary>Largest payload of a user or logon key (<c>user_preparse</c>).</summary>
    public const int MaxPayloadSize = 32767;

    private readonly List<Entry> _entries = [];
    private readonly TimeProvider _clock;
    private bool _disposed;

    /// <summary>An empty keyring.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="clock"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is neither <c>user</c> nor <c>logon</c>.</exception>
    public Keyring(KeyType type, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (type is not (KeyType.User or KeyType.Logon))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "The model holds user and logon keys.");
        }

        Type = type;
        _clock = clock;
    }

    /// <summary>The type of every key here.</summary>
    public KeyType Type { get; }

    /// <summary>Number of keys, expired ones included (the garbage collector has not run).</summary>
    public int Count => _entries.Count;

    /// <summary>The descriptions, in the order the keys were added.</summary>
    public IReadOnlyList<string> Descriptions => _entries.ConvertAll(e => Encoding.UTF8.GetString(e.Description));

    /// <summary>Adds or updates a key (<c>add_key</c> / <c>key_create_or_update</c>).</summary>
    /// <param name="description">The description; a C string, so it ends at its first NUL.</param>
    /// <param name="payload">1..32767 bytes, copied into pinned memory.</param>
    /// <param name="timeout">Expiry from now (<c>keyctl_set_timeout</c>), or <see langword="null"/> for none.</param>
    /// <returns>EINVAL for an empty description, a logon description without a <c>:</c> after its first character, or a bad payload size.</returns>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int nul = description.IndexOf((byte)0);
        if (nul >= 0)
        {
            description = description[..nul];
        }

        if (description.IsEmpty || (Type == KeyType.Logon && description.IndexOf((byte)':') <= 0))
        {
            return LinuxErrno.EINVAL;
        }

        if (payload.IsEmpty || payload.Length > MaxPayloadSize)
        {
            return LinuxErrno.EINVAL;
        }

        DateTimeOffset? expiry = timeout is { } t ? _clock.GetUtcNow() + t : null;
        int index = Find(description);
        if (index >= 0)
        {
            Entry old = _entries[index];
            old.Payload.Dispose();
            _entries[index] = new Entry(old.Description, SecretBuffer.CopyOf(payload), expiry ?? old.Expiry);
        }
        else
        {
            _entries.Add(new Entry(description.ToArray(), SecretBuffer.CopyOf(payload), expiry));
        }

        return LinuxErrno.None;
    }

    /// <inheritdoc cref="Add(ReadOnlySpan{byte}, ReadOnlySpan{byte}, TimeSpan?)"/>
    public LinuxErrno Add(string description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Add(Encoding.UTF8.GetBytes(description), payload, timeout);
    }

    /// <summary><c>keyctl_set_timeout</c>: the key expires <paramref name="timeout"/> from now; ENOKEY when there is no such key, EKEYEXPIRED when it has expired already.</summary>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno SetTimeout(string description, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(description);
        int index = Find(Encoding.UTF8.GetBytes(description));
        if (index < 0)
        {
            return LinuxErrno.ENOKEY;
        }

        Entry entry = _entries[index];
        DateTimeOffset now = _clock.GetUtcNow();
        if (entry.Expiry is { } expiry && now >= expiry)
        {
            return LinuxErrno.EKEYEXPIRED;
        }

        _entries[index] = entry with { Expiry = now + timeout };
        return LinuxErrno.None;
    }

    /// <summary>
    /// Looks a key up as <c>request_key</c> does (also inside the kernel, in <c>build_keys_header</c>): ENOKEY
    /// when there is none, and ENOKEY too when its timeout has passed, because <c>request_key_and_link</c>
    /// searches with <c>KEYRING_SEARCH_SKIP_EXPIRED</c> and, with no callout, ends in ENOKEY (checked on the
    /// real kernel by <c>RealKeyringAgreementTests</c>). <see cref="Search(ReadOnlySpan{byte})"/> tells the two apart.
    /// </summary>
    /// <param name="description">The exact description.</param>
    /// <param name="payload">The key's bytes, valid until the key is updated or the keyring disposed.</param>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno RequestKey(ReadOnlySpan<byte> description, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        // A revoked key gives EKEYREVOKED (request_key_and_link passes any error but EAGAIN on); an expired one is
        // passed over (KEYRING_SEARCH_SKIP_EXPIRED) and ends in ENOKEY.
        LinuxErrno found = Search(description);
        if (found != LinuxErrno.None)
        {
            return found == LinuxErrno.EKEYREVOKED ? found : LinuxErrno.ENOKEY;
        }

        payload = _entries[Find(description)].Payload.Memory;
        return LinuxErrno.None;
    }

    /// <summary>
    /// <c>keyctl revoke</c>: the key stays in the keyring but every search now says EKEYREVOKED
    /// (security/keys/keyring.c:595-600), and its payload is gone. ENOKEY when there is no such key.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno Revoke(string description)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(description);
        int index = Find(Encoding.UTF8.GetBytes(description));
        if (index < 0)
        {
            return LinuxErrno.ENOKEY;
        }

        _entries[index].Payload.Dispose();
        _entries[index] = _entries[index] with { Revoked = true };
        return LinuxErrno.None;
    }

    /// <summary>
    /// <c>keyctl search</c> (<c>KEYCTL_SEARCH</c>, <c>keyring_search</c>, no <c>KEYRING_SEARCH_SKIP_EXPIRED</c>):
    /// ENOKEY when there is no such key, EKEYREVOKED when it was revoked (checked first, security/keys/keyring.c:595-602),
    /// EKEYEXPIRED when its timeout has passed.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno Search(ReadOnlySpan<byte> description)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int index = Find(description);
        if (index < 0)
        {
            return LinuxErrno.ENOKEY;
        }

        if (_entries[index].Revoked)
        {
            return LinuxErrno.EKEYREVOKED;
        }

        return _entries[index].Expiry is { } expiry && _clock.GetUtcNow() >= expiry ? LinuxErrno.EKEYEXPIRED : LinuxErrno.None;
    }

    /// <summary>
    /// <c>keyctl read</c> by user space: ENOKEY when there is no such key; EOPNOTSUPP for any logon key, expired
    /// or not (<c>key_type_logon</c> has no read method, and the real kernel says so before it looks at expiry);
    /// EKEYEXPIRED for an expired user key; else none (the bytes are not copied).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The keyring was disposed.</exception>
    public LinuxErrno ReadBack(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        LinuxErrno found = Search(Encoding.UTF8.GetBytes(description));
        return found == LinuxErrno.ENOKEY ? found : Type == KeyType.Logon ? LinuxErrno.EOPNOTSUPP : found;
    }

    /// <inheritdoc/>
    public KeySerial SerialOf(string description) => KeySerial.None;

    /// <inheritdoc/>
    public TimeSpan? TimeoutOf(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (Search(Encoding.UTF8.GetBytes(description)) != LinuxErrno.None)
        {
            return null;
        }

        return _entries[Find(Encoding.UTF8.GetBytes(description))].Expiry is { } expiry ? expiry - _clock.GetUtcNow() : TimeSpan.Zero;
    }

    /// <inheritdoc cref="RequestKey(ReadOnlySpan{byte}, out ReadOnlyMemory{byte})"/>
    public LinuxErrno RequestKey(string description, out ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(description);
        return RequestKey(Encoding.UTF8.GetBytes(description), out payload);
    }

    /// <summary>Zeroises and drops every key.</summary>
    public void Dispose()
    {
        foreach (Entry entry in _entries)
        {
            entry.Payload.Dispose();
        }

        _entries.Clear();
        _disposed = true;
    }

    private int Find(ReadOnlySpan<byte> description)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (description.SequenceEqual(_entries[i].Description))
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Entry(byte[] Description, SecretBuffer Payload, DateTimeOffset? Expiry, bool Revoked = false);
}
