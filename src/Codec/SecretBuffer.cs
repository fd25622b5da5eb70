using System.Security.Cryptography;

namespace CrashDmCrypt.Codec;

/// <summary>
/// A pinned managed buffer for key material: the GC never moves it, so no stale copy is left behind,
/// and <see cref="Dispose"/> clears it with <see cref="CryptographicOperations.ZeroMemory"/>.
/// </summary>
public sealed class SecretBuffer : IDisposable
{
    private readonly byte[] _array;
    private bool _disposed;

    /// <summary>Allocates <paramref name="length"/> zeroed, pinned bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public SecretBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);

        // Stryker disable once Boolean : pinning keeps the GC from leaving moved copies of key bytes behind; no API shows whether an array is pinned
        _array = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>Number of bytes.</summary>
    public int Length => _array.Length;

    /// <summary>The bytes.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _array;
        }
    }

    /// <summary>The bytes as memory, for <see cref="KeyBlobKey"/>.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Memory<byte> Memory
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _array;
        }
    }

    /// <summary>Copies <paramref name="source"/> into a new pinned buffer.</summary>
    public static SecretBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        var buffer = new SecretBuffer(source.Length);
        source.CopyTo(buffer._array);
        return buffer;
    }

    /// <summary>Clears the bytes. Safe to call more than once.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_array);
        _disposed = true;
    }
}
