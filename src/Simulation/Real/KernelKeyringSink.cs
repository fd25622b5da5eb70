using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// The kdump kernel's restore (<c>restore_dm_crypt_keys_to_thread_keyring</c>) on the real kernel: each blob
/// entry becomes a <c>user</c> key with the entry's description bytes and key bytes, added with
/// create-or-update semantics. Pass it by reference to <see cref="KeyBlobRestorer"/>. The kernel adds to the
/// user keyring, which every process of the user shares; this sink adds to a keyring of a
/// <see cref="PrivateKeyringSession"/> instead, so a run never touches the caller's keys.
/// </summary>
public struct KernelKeyringSink : IKeyBlobSink
{
    private readonly PrivateKeyringSession _session;
    private readonly KeySerial _keyring;
    private readonly List<KeySerial> _added;

    /// <summary>A sink that adds user keys to <paramref name="keyring"/> (normally <paramref name="session"/>'s own) and records their serials in <paramref name="added"/>.</summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public KernelKeyringSink(PrivateKeyringSession session, KeySerial keyring, List<KeySerial> added)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(added);
        _session = session;
        _keyring = keyring;
        _added = added;
        FirstFailure = KeyringResult.Ok;
    }

    /// <summary>
    /// The first add the kernel refused, or <see cref="KeyringResult.Ok"/>. The kernel itself logs a failed add and
    /// goes on with the next entry; so does this sink.
    /// </summary>
    public KeyringResult FirstFailure { get; private set; }

    /// <summary>How many entries the kernel refused.</summary>
    public int Failures { get; private set; }

    /// <inheritdoc/>
    public void Add(KeyBlobEntry entry) => Add(entry.Description, entry.Key);

    /// <summary>Adds one user key, as <c>add_key_to_keyring</c> does (kernel/crash_dump_dm_crypt.c:64-85).</summary>
    internal void Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> key)
    {
        // The key bytes go from the region (cleared by the restorer) straight into the kernel: no copy here.
        KeyringResult<KeySerial> added = _session.AddKey(KeyType.User, description, key, _keyring);
        if (added.Succeeded)
        {
            _added.Add(added.Value);
            return;
        }

        if (Failures++ == 0)
        {
            FirstFailure = added.Result;
        }
    }
}
