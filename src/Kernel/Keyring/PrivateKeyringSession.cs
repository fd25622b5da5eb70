using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>
/// A private session keyring on a dedicated thread, so that keyring work never touches the caller's keys.
/// </summary>
/// <remarks>
/// <para>
/// Why a thread of its own: Linux keeps the thread, process and session keyrings in each thread's
/// credentials, and <c>KEYCTL_JOIN_SESSION_KEYRING</c> replaces only the calling thread's. A .NET program
/// runs its code on whatever thread-pool thread is free, so joining a session on one of them would leave
/// the other threads on the old session (they would neither find nor possess the new keys, and the default
/// key permissions give a non-possessor almost nothing), while the joining thread would carry the private
/// session into unrelated work. Linking a new keyring into the process or user keyring would either reach
/// only one thread again (the process keyring is also per-credential) or change a keyring the caller and
/// every other process of the same user share.
/// </para>
/// <para>
/// So this class starts one thread, which joins a new anonymous session keyring and then runs every
/// operation of the session, one at a time. Keys added there are possessed by that thread only, and
/// <c>request_key</c> there searches the private session and nothing of the caller's (an anonymous session
/// keyring does not link the user keyring). <see cref="Dispose"/> clears the keyring and ends the thread;
/// the kernel then destroys the keyring and every key only it held.
/// </para>
/// <para>
/// Callers pass spans; each operation pins them and blocks until the session thread is done with them, so no
/// key byte is copied on the managed side. Threads that code running on the session thread creates inherit
/// its credentials, so callbacks given to the internal <c>Invoke</c> should do synchronous keyring work
/// only, without starting threads or queueing thread-pool work.
/// </para>
/// </remarks>
public sealed unsafe class PrivateKeyringSession : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private bool _disposed;

    private PrivateKeyringSession()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "crashdmcrypt private keyring" };
    }

    /// <summary>The serial of the private session keyring.</summary>
    public KeySerial Keyring { get; private set; }

    /// <summary>
    /// Starts a session. Fails with <see cref="KeyringStatus.Unsupported"/> when the kernel has no keyring
    /// support, or <see cref="KeyringStatus.PermissionDenied"/> when a seccomp filter blocks the calls.
    /// </summary>
    /// <param name="session">The session, or <see langword="null"/> on failure.</param>
    public static KeyringResult Open(out PrivateKeyringSession? session)
    {
        var created = new PrivateKeyringSession();
        KeyringResult<KeySerial> joined = default;
        using (var ready = new ManualResetEventSlim())
        {
            created._work.Add(() =>
            {
                joined = KernelKeyring.JoinNewSessionKeyring();
                ready.Set();
            });
            created._thread.Start();
            ready.Wait();
        }

        if (!joined.Succeeded)
        {
            created.Dispose();
            session = null;
            return joined.Result;
        }

        created.Keyring = joined.Value;
        session = created;
        return KeyringResult.Ok;
    }

    /// <summary>
    /// Runs <paramref name="callback"/> on the session thread and returns its result; there,
    /// <see cref="KernelKeyring"/>'s calls (and code such as the <c>provision</c> command that makes them) see
    /// the private session as the caller's keyrings. An exception the callback throws is rethrown here.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    internal T Invoke<T>(Func<T> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (Thread.CurrentThread == _thread)
        {
            return callback();
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var done = new ManualResetEventSlim();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _work.Add(() =>
            {
                try
                {
                    result = callback();
                }
#pragma warning disable CA1031 // Rethrown on the caller's thread below.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    done.Set();
                }
            });
        }

        done.Wait();
        failure?.Throw();
        return result;
    }

    /// <summary><see cref="KernelKeyring.AddKey(KeyType, string, ReadOnlySpan{byte}, KeySerial)"/> into the private session keyring.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public KeyringResult<KeySerial> AddKey(KeyType type, string description, ReadOnlySpan<byte> payload) =>
        AddKey(type, description, payload, Keyring);

    /// <summary><see cref="KernelKeyring.AddKey(KeyType, string, ReadOnlySpan{byte}, KeySerial)"/> on the session thread (create-or-update in <paramref name="keyring"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public KeyringResult<KeySerial> AddKey(KeyType type, string description, ReadOnlySpan<byte> payload, KeySerial keyring)
    {
        ArgumentNullException.ThrowIfNull(description);
        _ = KernelKeyring.TypeName(type);
        fixed (byte* data = payload)
        {
            // The caller blocks until the session thread is done, so the pinned span outlives its use there.
            nint address = (nint)data;
            int length = payload.Length;
            return Invoke(() => KernelKeyring.AddKey(type, description, new ReadOnlySpan<byte>((void*)address, length), keyring));
        }
    }

    /// <summary><see cref="KernelKeyring.AddKey(KeyType, ReadOnlySpan{byte}, ReadOnlySpan{byte}, KeySerial)"/> (raw description bytes) on the session thread.</summary>
    public KeyringResult<KeySerial> AddKey(KeyType type, ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, KeySerial keyring)
    {
        _ = KernelKeyring.TypeName(type);
        fixed (byte* desc = description)
        fixed (byte* data = payload)
        {
            nint descriptionAddress = (nint)desc;
            int descriptionLength = description.Length;
            nint payloadAddress = (nint)data;
            int payloadLength = payload.Length;
            return Invoke(() => KernelKeyring.AddKey(
                type,
                new ReadOnlySpan<byte>((void*)descriptionAddress, descriptionLength),
                new ReadOnlySpan<byte>((void*)payloadAddress, payloadLength),
                keyring));
        }
    }

    /// <summary><see cref="KernelKeyring.CreateKeyring"/> on the session thread.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public KeyringResult<KeySerial> CreateKeyring(string description, KeySerial parent)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Invoke(() => KernelKeyring.CreateKeyring(description, parent));
    }

    /// <summary><see cref="KernelKeyring.RequestKey"/> on the session thread: searches the private session only.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public KeyringResult<KeySerial> RequestKey(KeyType type, string description, KeySerial destination = default)
    {
        ArgumentNullException.ThrowIfNull(description);
        _ = KernelKeyring.TypeName(type);
        return Invoke(() => KernelKeyring.RequestKey(type, description, destination));
    }

    /// <summary><see cref="KernelKeyring.Search"/> on the session thread.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public KeyringResult<KeySerial> Search(KeySerial keyring, KeyType type, string description)
    {
        ArgumentNullException.ThrowIfNull(description);
        _ = KernelKeyring.TypeName(type);
        return Invoke(() => KernelKeyring.Search(keyring, type, description));
    }

    /// <summary><see cref="KernelKeyring.Read"/> on the session thread, straight into <paramref name="destination"/>.</summary>
    public KeyringResult<int> Read(KeySerial key, Span<byte> destination)
    {
        fixed (byte* buffer = destination)
        {
            nint address = (nint)buffer;
            int length = destination.Length;
            return Invoke(() => KernelKeyring.Read(key, new Span<byte>((void*)address, length)));
        }
    }

    /// <summary><see cref="KernelKeyring.SetTimeout"/> on the session thread.</summary>
    public KeyringResult SetTimeout(KeySerial key, uint seconds) => Invoke(() => KernelKeyring.SetTimeout(key, seconds));

    /// <summary><see cref="KernelKeyring.Revoke"/> on the session thread.</summary>
    public KeyringResult Revoke(KeySerial key) => Invoke(() => KernelKeyring.Revoke(key));

    /// <summary><see cref="KernelKeyring.Invalidate"/> on the session thread.</summary>
    public KeyringResult Invalidate(KeySerial key) => Invoke(() => KernelKeyring.Invalidate(key));

    /// <summary><see cref="KernelKeyring.Unlink"/> from the private session keyring.</summary>
    internal KeyringResult Unlink(KeySerial key) => Unlink(key, Keyring);

    /// <summary><see cref="KernelKeyring.Unlink"/> on the session thread.</summary>
    internal KeyringResult Unlink(KeySerial key, KeySerial keyring) => Invoke(() => KernelKeyring.Unlink(key, keyring));

    /// <summary>Clears the private keyring and ends the session thread; its keys are destroyed by the kernel.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (Keyring != KeySerial.None)
            {
                KeySerial keyring = Keyring;
                _work.Add(() => KernelKeyring.Clear(keyring));
            }

            _work.CompleteAdding();
        }

        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        if (!_thread.IsAlive)
        {
            _work.Dispose();
        }
    }

    private void Loop()
    {
        foreach (Action action in _work.GetConsumingEnumerable())
        {
            action();
        }
    }
}
