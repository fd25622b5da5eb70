using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// The first kernel's logon keys as real <c>logon</c> keys in a <see cref="PrivateKeyringSession"/>: adding,
/// timeouts, <c>request_key</c>, <c>keyctl search</c> and the refused read-back are the real kernel's calls and
/// verdicts. The payload of a logon key can only be read inside the kernel (<c>build_keys_header</c> does), so
/// the model keeps its own pinned copy of each payload, with no expiry of its own, and hands it out only when
/// the real <c>request_key</c> has found the key. Owns the session.
/// </summary>
internal sealed class KernelLogonKeyring : IKeyring
{
    private readonly PrivateKeyringSession _session;
    private readonly Keyring _payloads;
    private readonly Dictionary<string, KeySerial> _serials = new(StringComparer.Ordinal);

    /// <summary>Logon keys in <paramref name="session"/>, which this keyring disposes.</summary>
    public KernelLogonKeyring(PrivateKeyringSession session, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _payloads = new Keyring(KeyType.Logon, clock);
    }

    /// <inheritdoc/>
    public KeyType Type => KeyType.Logon;

    /// <inheritdoc/>
    public int Count => _serials.Count;

    /// <summary>The serial of the real key of <paramref name="description"/>, or <see cref="KeySerial.None"/>.</summary>
    public KeySerial SerialOf(string description) => _serials.GetValueOrDefault(description);

    /// <summary>The real key's timeout as <c>/proc/keys</c> shows it to the session that possesses it.</summary>
    public TimeSpan? TimeoutOf(string description) =>
        _serials.TryGetValue(description, out KeySerial serial) ? _session.Invoke(() => ProcKeys.ReadTimeout(serial)) : null;

    /// <inheritdoc/>
    public LinuxErrno Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        KeyringResult<KeySerial> added = _session.AddKey(KeyType.Logon, description, payload, _session.Keyring);
        if (!added.Succeeded)
        {
            return ErrnoOf(added.Result);
        }

        string name = Encoding.UTF8.GetString(description);
        _serials[name] = added.Value;
        LinuxErrno copied = _payloads.Add(description, payload);
        return copied != LinuxErrno.None || timeout is not { } t ? copied : SetTimeout(name, t);
    }

    /// <inheritdoc/>
    public LinuxErrno Add(string description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Add(Encoding.UTF8.GetBytes(description), payload, timeout);
    }

    /// <summary><c>keyctl timeout &lt;id&gt; N</c> on the real key (whole seconds, rounded up; 0 removes the expiry).</summary>
    public LinuxErrno SetTimeout(string description, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!_serials.TryGetValue(description, out KeySerial serial))
        {
            return LinuxErrno.ENOKEY;
        }

        return ErrnoOf(_session.SetTimeout(serial, (uint)Math.Ceiling(timeout.TotalSeconds)));
    }

    /// <inheritdoc/>
    public LinuxErrno RequestKey(ReadOnlySpan<byte> description, out ReadOnlyMemory<byte> payload)
    {
        payload = default;
        KeyringResult<KeySerial> found = _session.RequestKey(KeyType.Logon, Encoding.UTF8.GetString(description));
        if (!found.Succeeded)
        {
            return ErrnoOf(found.Result);
        }

        // What the kernel reads under key->sem; the model's copy, kept since add_key, stands in for it.
        return _payloads.RequestKey(description, out payload);
    }

    /// <inheritdoc/>
    public LinuxErrno RequestKey(string description, out ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(description);
        return RequestKey(Encoding.UTF8.GetBytes(description), out payload);
    }

    /// <inheritdoc/>
    public LinuxErrno Search(ReadOnlySpan<byte> description) =>
        ErrnoOf(_session.Search(_session.Keyring, KeyType.Logon, Encoding.UTF8.GetString(description)).Result);

    /// <summary><c>keyctl read</c> on the real key: the kernel refuses it for a logon key (EOPNOTSUPP).</summary>
    public LinuxErrno ReadBack(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!_serials.TryGetValue(description, out KeySerial serial))
        {
            return LinuxErrno.ENOKEY;
        }

        return ReadBack(serial, _session.Read);
    }

    /// <summary>
    /// <c>keyctl read</c> of <paramref name="serial"/> through <paramref name="read"/> into cleared stack memory: none
    /// when it read (it must not, for logon) or found a longer payload, else the errno.
    /// </summary>
    internal static LinuxErrno ReadBack(KeySerial serial, KeyReader read)
    {
        Span<byte> buffer = stackalloc byte[KeyBlobLayout.MaxKeySize];
        try
        {
            KeyringResult<int> result = read(serial, buffer);
            return result.Status is KeyringStatus.Ok or KeyringStatus.BufferTooSmall ? LinuxErrno.None : ErrnoOf(result.Result);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Zeroises the model's copies and ends the session; the kernel destroys the real keys.</summary>
    public void Dispose()
    {
        _payloads.Dispose();
        _session.Dispose();
    }

    // Refusals made before any call (InvalidArgument with no errno) read as the EINVAL the kernel would give.
    internal static LinuxErrno ErrnoOf(KeyringResult result) =>
        result.Succeeded ? LinuxErrno.None
        : result.Errno != LinuxErrno.None ? result.Errno
        : LinuxErrno.EINVAL;
}
