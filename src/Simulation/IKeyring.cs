using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// A keyring the model's kernels use: the model's own (<see cref="Keyring"/>), or one whose verdicts come from
/// the real kernel (<see cref="Real.KernelLogonKeyring"/>). Every call returns an errno, as the system calls do.
/// </summary>
internal interface IKeyring : IDisposable
{
    /// <summary>The type of every key here.</summary>
    KeyType Type { get; }

    /// <summary>Number of keys, expired ones included.</summary>
    int Count { get; }

    /// <summary><c>add_key</c> with create-or-update semantics, and an optional timeout.</summary>
    LinuxErrno Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null);

    /// <inheritdoc cref="Add(ReadOnlySpan{byte}, ReadOnlySpan{byte}, TimeSpan?)"/>
    LinuxErrno Add(string description, ReadOnlySpan<byte> payload, TimeSpan? timeout = null);

    /// <summary><c>keyctl timeout</c> on the key of that description.</summary>
    LinuxErrno SetTimeout(string description, TimeSpan timeout);

    /// <summary><c>request_key</c>: ENOKEY for a missing or an expired key; on success the payload the kernel reads.</summary>
    LinuxErrno RequestKey(ReadOnlySpan<byte> description, out ReadOnlyMemory<byte> payload);

    /// <inheritdoc cref="RequestKey(ReadOnlySpan{byte}, out ReadOnlyMemory{byte})"/>
    LinuxErrno RequestKey(string description, out ReadOnlyMemory<byte> payload);

    /// <summary><c>keyctl search</c>: ENOKEY for a missing key, EKEYEXPIRED for an expired one.</summary>
    LinuxErrno Search(ReadOnlySpan<byte> description);

    /// <summary><c>keyctl read</c> from user space: EOPNOTSUPP for a logon key. No bytes are returned.</summary>
    LinuxErrno ReadBack(string description);

    /// <summary>The serial of the key of that description, or <see cref="KeySerial.None"/> (the model's keys have none).</summary>
    KeySerial SerialOf(string description);

    /// <summary>
    /// The time left before the key of that description expires: <see cref="TimeSpan.Zero"/> when it has no
    /// expiry; null when there is no such key, it has expired, or the keyring cannot tell.
    /// </summary>
    TimeSpan? TimeoutOf(string description);
}
