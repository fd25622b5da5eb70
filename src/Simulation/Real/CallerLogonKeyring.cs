using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// The calling thread's own keyrings (thread, process, session: where <c>request_key</c> looks) as the logon keys
/// <c>kdumpctl prepare_luks</c> works on. Keys are named by description; the serial <c>request_key</c> found is
/// kept for the calls that take one. A logon key's payload never leaves the kernel, so
/// <see cref="RequestKey(ReadOnlySpan{byte}, out ReadOnlyMemory{byte})"/> hands back no bytes.
/// </summary>
internal sealed class CallerLogonKeyring : IKeyring
{
    private readonly Dictionary<string, KeySerial> _serials = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public KeyType Type => KeyType.Logon;

    /// <summary>Keys found or added through this object.</summary>
    public int Count => _serials.Count;

    /// <summary><c>add_key</c> of a logon key into the session keyring.</summary>
    public LinuxErrno Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        KeyringResult<KeySerial> added = KernelKeyring.AddKey(KeyType.Logon, description, payload, KeySerial.SessionKeyring);
        if (!added.Succeeded)
        {
            return ErrnoOf(added.Result);
        }

        string name = Encoding.UTF8.GetString(description);
        _serials[name] = added.Value;
        return timeout is { } t ? SetTimeout(name, t) : LinuxErrno.None;
    }

    /// <inheritdoc/>
    public LinuxErrno Add(string description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Add(Encoding.UTF8.GetBytes(description), payload, timeout);
    }

    /// <summary><c>keyctl timeout &lt;id&gt; N</c> on the key found before (whole seconds, rounded up; 0 removes the expiry); ENOKEY for a key not found through this object.</summary>
    public LinuxErrno SetTimeout(string description, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(description);
        return _serials.TryGetValue(description, out KeySerial serial)
            ? ErrnoOf(KernelKeyring.SetTimeout(serial, (uint)Math.Min(Math.Ceiling(timeout.TotalSeconds), uint.MaxValue)))
            : LinuxErrno.ENOKEY;
    }

    /// <summary><c>request_key</c> for a logon key in the caller's keyrings; no payload is handed back.</summary>
    public LinuxErrno RequestKey(ReadOnlySpan<byte> description, out ReadOnlyMemory<byte> payload) =>
        RequestKey(Encoding.UTF8.GetString(description), out payload);

    /// <inheritdoc cref="RequestKey(ReadOnlySpan{byte}, out ReadOnlyMemory{byte})"/>
    public LinuxErrno RequestKey(string description, out ReadOnlyMemory<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(description);
        payload = default;
        KeyringResult<KeySerial> found = KernelKeyring.RequestKey(KeyType.Logon, description);
        if (found.Succeeded)
        {
            _serials[description] = found.Value;
        }

        return ErrnoOf(found.Result);
    }

    /// <summary>
    /// <c>keyctl search</c> in the thread, process and session keyrings in turn: none when a live key is found,
    /// EKEYEXPIRED or EKEYREVOKED for the first such key, else ENOKEY.
    /// </summary>
    public LinuxErrno Search(ReadOnlySpan<byte> description)
    {
        string text = Encoding.UTF8.GetString(description);
        foreach (KeySerial keyring in (ReadOnlySpan<KeySerial>)[KeySerial.ThreadKeyring, KeySerial.ProcessKeyring, KeySerial.SessionKeyring])
        {
            KeyringResult<KeySerial> searched = KernelKeyring.Search(keyring, KeyType.Logon, text);
            if (searched.Succeeded || searched.Status is KeyringStatus.KeyExpired or KeyringStatus.KeyRevoked)
            {
                return ErrnoOf(searched.Result);
            }
        }

        return LinuxErrno.ENOKEY;
    }

    /// <summary><c>keyctl read</c> on the key found before: the kernel refuses it for a logon key (EOPNOTSUPP).</summary>
    public LinuxErrno ReadBack(string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (!_serials.TryGetValue(description, out KeySerial serial))
        {
            return LinuxErrno.ENOKEY;
        }

        return KernelLogonKeyring.ReadBack(serial, KernelKeyring.Read);
    }

    /// <inheritdoc/>
    public KeySerial SerialOf(string description) => _serials.GetValueOrDefault(description);

    /// <summary>The key's timeout as <c>/proc/keys</c> shows it to the caller, who possesses it.</summary>
    public TimeSpan? TimeoutOf(string description) =>
        _serials.TryGetValue(description, out KeySerial serial) ? ProcKeys.ReadTimeout(serial) : null;

    /// <summary>Nothing to release: the keys are the caller's.</summary>
    public void Dispose()
    {
    }

    private static LinuxErrno ErrnoOf(KeyringResult result) => KernelLogonKeyring.ErrnoOf(result);
}
