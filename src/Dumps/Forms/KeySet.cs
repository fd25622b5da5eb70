using System.Security.Cryptography;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Forms;

/// <summary>
/// Known keys, each with the description it is reported by: the keys a scan found in blobs and entries, and keys a user
/// names (<c>--key-file</c>). The bytes live in pinned arrays that <see cref="Dispose"/> zeroes; nothing here ever hands a
/// key byte to a message.
/// </summary>
public sealed class KeySet : IDisposable
{
    private readonly List<byte[]> _keys = [];
    private readonly List<ReadOnlyMemory<byte>> _descriptions = [];

    /// <summary>Number of distinct keys.</summary>
    public int Count => _keys.Count;

    /// <summary>The description of key <paramref name="index"/> (the dump's bytes, or the name a user gave; escape before printing).</summary>
    public ReadOnlyMemory<byte> GetDescription(int index) => _descriptions[index];

    /// <summary>The length of key <paramref name="index"/>.</summary>
    public int GetKeyLength(int index) => _keys[index].Length;

    internal ReadOnlySpan<byte> GetKey(int index) => _keys[index];

    /// <summary>Copies key <paramref name="index"/> into <paramref name="destination"/> (a caller's pinned or stack buffer, which it clears).</summary>
    internal void CopyKey(int index, Span<byte> destination) => _keys[index].CopyTo(destination);

    /// <summary>Adds a key (copied); a key already in the set keeps its first description. An empty key is ignored.</summary>
    public void Add(ReadOnlySpan<byte> description, ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty)
        {
            return;
        }

        foreach (byte[] known in _keys)
        {
            if (known.AsSpan().SequenceEqual(key))
            {
                return;
            }
        }

        byte[] copy = GC.AllocateArray<byte>(key.Length, pinned: true);
        key.CopyTo(copy);
        _keys.Add(copy);
        _descriptions.Add(description.ToArray());
    }

    /// <summary>Adds the keys of <paramref name="findings"/> (blobs and entries of a scan of <paramref name="memory"/>), read again from the dump.</summary>
    /// <returns>The number of findings whose bytes could not be read again (a damaged page); their keys are missing.</returns>
    public int AddFrom(PhysicalMemory memory, IReadOnlyList<DumpFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(findings);
        int unread = 0;
        byte[] buffer = GC.AllocateUninitializedArray<byte>(KeyBlobLayout.MaxBlobSize, pinned: true);
        try
        {
            foreach (DumpFinding finding in findings)
            {
                if (finding.Kind is not (FindingKind.Blob or FindingKind.Entry))
                {
                    continue;
                }

                // A blob is read whole; an entry on its own, by the codec's per-entry reader. A freed copy (padding faults
                // only) reads in kernel mode, as the scan read it.
                Span<byte> bytes = buffer.AsSpan(0, finding.Length);
                bool read = finding.InOverwrittenRecord
                    ? memory.StoredFile.TryRead(finding.FileOffset!.Value, bytes)
                    : memory.TryRead(finding.Position, bytes, out _);
                if (!read || !TryAddFrom(bytes, finding.Kind, finding.ByteOrder, finding.Problems.Count == 0))
                {
                    unread++;
                }
            }
        }

        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        return unread;
    }

    /// <summary>
    /// Adds the keys of the blob or entry in <paramref name="bytes"/> (its whole bytes). A freed copy (padding faults only,
    /// <paramref name="strict"/> false) reads in kernel mode, as the scan read it. False when the bytes are no such finding.
    /// </summary>
    internal bool TryAddFrom(ReadOnlySpan<byte> bytes, FindingKind kind, KeyBlobByteOrder byteOrder, bool strict)
    {
        // A blob is read whole; an entry on its own, by the codec's per-entry reader.
        var options = new KeyBlobReadOptions
        {
            ByteOrder = byteOrder == KeyBlobByteOrder.BigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian,
            Mode = strict ? KeyBlobMode.Strict : KeyBlobMode.Kernel,
        };
        if (kind == FindingKind.Entry)
        {
            if (!KeyBlobReader.TryReadEntry(bytes, options, out KeyBlobEntry entry, out _))
            {
                return false;
            }

            Add(entry.Description, entry.Key);
            return true;
        }

        if (!KeyBlobReader.TryRead(bytes, options, out KeyBlob blob, out _))
        {
            return false;
        }

        foreach (KeyBlobEntry entry in blob)
        {
            Add(entry.Description, entry.Key);
        }

        return true;
    }

    /// <summary>The index of the key equal to <paramref name="key"/>, or -1.</summary>
    internal int IndexOf(ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < _keys.Count; i++)
        {
            if (_keys[i].AsSpan().SequenceEqual(key))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A new set of keys <paramref name="first"/> onwards (copied; the caller disposes it).</summary>
    internal KeySet From(int first)
    {
        var set = new KeySet();
        for (int i = first; i < _keys.Count; i++)
        {
            set.Add(_descriptions[i].Span, _keys[i]);
        }

        return set;
    }

    /// <summary>Zeroes every key.</summary>
    public void Dispose()
    {
        foreach (byte[] key in _keys)
        {
            CryptographicOperations.ZeroMemory(key);
        }

        _keys.Clear();
        _descriptions.Clear();
    }
}
