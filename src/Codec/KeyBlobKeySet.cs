using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace CrashDmCrypt.Codec;

/// <summary>
/// A key set that has passed every writer rule, held as the blob itself: its existence proves validity, so
/// <see cref="Write"/> copies bytes and checks nothing again, as the kernel validates each description once,
/// when configfs stores it, and <c>build_keys_header</c> only copies.
/// </summary>
/// <remarks>
/// <see cref="TryCreate"/> copies the keys into storage of its own: a pinned array (the GC never moves it, so no
/// stale copy is left behind) that nothing outside this type can reach, so the keys cannot change after they were
/// checked. <see cref="Dispose"/> clears it with <see cref="CryptographicOperations.ZeroMemory"/>; until then it holds
/// key material, like any <see cref="SecretBuffer"/>. Not safe to dispose while another thread writes.
/// </remarks>
public sealed class KeyBlobKeySet : IDisposable
{
    // The blob in little-endian order, exactly 4 + 388 * Count bytes.
    private readonly byte[] _blob;
    private bool _disposed;

    private KeyBlobKeySet(byte[] blob, int count)
    {
        _blob = blob;
        Count = count;
    }

    /// <summary>Number of keys.</summary>
    public int Count { get; }

    /// <summary>Bytes <see cref="Write"/> writes: 4 + 388 * <see cref="Count"/>.</summary>
    public int Size => _blob.Length;

    /// <summary>Checks <paramref name="keys"/> against every writer rule and, when they pass, copies them into a new key set.</summary>
    /// <param name="keys">1..128 keys, in the order of the configfs items. Not kept: the key set has its own copy.</param>
    /// <param name="keySet">The key set; <see langword="null"/> when a rule failed.</param>
    /// <param name="problem">The first failed rule, as <see cref="KeyBlobWriter.TryValidate"/> reports it; <c>default</c> on success.</param>
    /// <returns>Whether the keys passed.</returns>
    /// <exception cref="InvalidOperationException">Another thread changed the keys' memory during the call, so that the copy broke a rule (a caller bug; the copy is cleared).</exception>
    public static bool TryCreate(ReadOnlySpan<KeyBlobKey> keys, [NotNullWhen(true)] out KeyBlobKeySet? keySet, out KeyBlobProblem problem)
    {
        if (!KeyBlobWriter.TryValidate(keys, out problem))
        {
            keySet = null;
            return false;
        }

        // Stryker disable once Boolean : pinning keeps the GC from leaving moved copies of key bytes behind; no API shows whether an array is pinned
        byte[] blob = GC.AllocateArray<byte>(KeyBlobLayout.GetBlobSize(keys.Length), pinned: true);
        KeyBlobWriter.WriteEntries(keys, blob, KeyBlobByteOrder.LittleEndian);

        // The caller's memory may change between the check and the copy (another thread writing it): check the copy,
        // which only this type can reach, with the strict reader, which accepts exactly the blobs the writer writes.
        if (!KeyBlobReader.TryRead(blob, default, out _, out _))
        {
            // Stryker disable once Statement : the copy becomes unreachable with the throw; clearing it leaves no key bytes behind, which no API can observe
            CryptographicOperations.ZeroMemory(blob);
            throw new InvalidOperationException("The keys changed while they were copied.");
        }

        keySet = new KeyBlobKeySet(blob, keys.Length);
        return true;
    }

    /// <summary>
    /// Writes the blob into the start of <paramref name="destination"/>: the same bytes
    /// <see cref="KeyBlobWriter.Write(ReadOnlySpan{KeyBlobKey}, Span{byte}, KeyBlobWriteOptions, out int, out KeyBlobProblem)"/>
    /// writes for the same keys, without checking them again.
    /// </summary>
    /// <param name="destination">Receives <see cref="Size"/> bytes; bytes after them are left alone.</param>
    /// <param name="options">Byte order.</param>
    /// <param name="bytesWritten"><see cref="Size"/> when done, else 0.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>, or <see cref="OperationStatus.DestinationTooSmall"/> (and
    /// <paramref name="destination"/> untouched) when it is shorter than <see cref="Size"/>.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order.</exception>
    /// <exception cref="ObjectDisposedException">The key set was disposed.</exception>
    public OperationStatus Write(Span<byte> destination, KeyBlobWriteOptions options, out int bytesWritten)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        KeyBlobWriter.CheckOptions(options);
        KeyBlobByteOrder byteOrder = options.ByteOrder;
        bytesWritten = 0;
        ReadOnlySpan<byte> blob = _blob;
        if (destination.Length < blob.Length)
        {
            return OperationStatus.DestinationTooSmall;
        }

        destination = destination[..blob.Length];
        blob.CopyTo(destination);
        if (byteOrder == KeyBlobByteOrder.BigEndian)
        {
            // Only total_keys and each key_size depend on the byte order.
            KeyBlobWriter.WriteUInt32(destination, (uint)Count, byteOrder);
            Span<byte> entries = destination[KeyBlobLayout.EntriesOffset..];
            for (int i = 0; i < Count; i++)
            {
                Span<byte> keySize = entries.Slice(KeyBlobLayout.EntrySize * i, KeyBlobLayout.KeySizeLength);
                KeyBlobWriter.WriteUInt32(keySize, KeyBlobReader.ReadUInt32(keySize, KeyBlobByteOrder.LittleEndian), byteOrder);
            }
        }

        bytesWritten = blob.Length;
        return OperationStatus.Done;
    }

    /// <summary>Clears the key material. Safe to call more than once; <see cref="Write"/> throws afterwards.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_blob);
    }
}
