using System.Security.Cryptography;

namespace CrashDmCrypt.Codec;

/// <summary>
/// The kdump-side hot path (<c>restore_dm_crypt_keys_to_thread_keyring</c>): validate the whole blob
/// first, hand every entry to a sink, then clear the region. The region is cleared on every path:
/// success, a refused blob, and a sink that throws. The restorer itself makes no copy of key material:
/// the sink sees spans over the region.
/// </summary>
public static class KeyBlobRestorer
{
    /// <summary>Restores the keys in <paramref name="region"/> into <paramref name="sink"/>, then zeroises all of <paramref name="region"/>.</summary>
    /// <param name="region">The bytes that start with the blob; every byte of it is zero afterwards, however the call ends.</param>
    /// <param name="options">Byte order, mode and length rule. Nothing reaches the sink unless the whole blob passes.</param>
    /// <param name="sink">Receives each entry in order. Pass a struct to avoid boxing.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> names an undefined byte order or mode (the region is still cleared).</exception>
    public static KeyBlobRestoreResult Restore<TSink>(Span<byte> region, KeyBlobReadOptions options, ref TSink sink)
        where TSink : IKeyBlobSink, allows ref struct
    {
        int restored = 0;
        try
        {
            if (!KeyBlobReader.TryRead(region, options, out KeyBlob blob, out KeyBlobProblem problem))
            {
                return new KeyBlobRestoreResult { Problem = problem };
            }

            foreach (KeyBlobEntry entry in blob)
            {
                sink.Add(entry);
                restored++;
            }

            return new KeyBlobRestoreResult { Succeeded = true, KeysRestored = restored };
        }
        finally
        {
            // The kernel frees its copy; we own the caller's view of old memory, so wipe it.
            CryptographicOperations.ZeroMemory(region);
        }
    }

    /// <inheritdoc cref="Restore{TSink}(Span{byte}, KeyBlobReadOptions, ref TSink)"/>
    /// <param name="region">The bytes that start with the blob; every byte of it is zero afterwards, however the call ends.</param>
    /// <param name="options">Byte order, mode and length rule.</param>
    /// <param name="handler">Receives each entry in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null (the region is still cleared).</exception>
    public static KeyBlobRestoreResult Restore(Span<byte> region, KeyBlobReadOptions options, KeyBlobEntryHandler handler)
    {
        if (handler is null)
        {
            CryptographicOperations.ZeroMemory(region);
            throw new ArgumentNullException(nameof(handler));
        }

        var sink = new HandlerSink(handler);
        return Restore(region, options, ref sink);
    }

    private readonly struct HandlerSink(KeyBlobEntryHandler handler) : IKeyBlobSink
    {
        public void Add(KeyBlobEntry entry) => handler(entry);
    }
}
