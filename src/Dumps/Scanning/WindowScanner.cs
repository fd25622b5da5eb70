using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>
/// Finds blobs and entries in one window of memory. Entries sit at 4 + 388 i in a kmalloc'd buffer, so candidates are
/// 4-byte aligned words that could be a <c>key_size</c> (1..256) followed by a non-empty description; a vectorised pass
/// finds them and the codec's strict reader decides each one. A lone entry must also hold a key that is not all zero.
/// </summary>
internal static class WindowScanner
{
    private const int EntrySize = KeyBlobLayout.EntrySize;
    private const int HeaderSize = KeyBlobLayout.HeaderSize;

    /// <summary>A finding before addresses are attached: where in the window, and what.</summary>
    internal readonly record struct Hit(int Offset, FindingKind Kind, DumpByteOrder ByteOrder, int Length, FoundKey[] Keys);

    /// <summary>
    /// Scans candidate words at window offsets <c>[from, to)</c> (4-byte aligned relative to the window's start). The window
    /// may extend past <paramref name="to"/> so that a blob or entry starting before it can be read whole.
    /// </summary>
    public static void Scan(ReadOnlySpan<byte> window, int from, int to, ScanByteOrders orders, List<Hit> hits)
    {
        bool little = (orders & ScanByteOrders.Little) != 0;
        bool big = (orders & ScanByteOrders.Big) != 0;
        int skipUntil = from;
        int i = from;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1u);
            var keySizeSpan = Vector256.Create((uint)KeyBlobLayout.MaxKeySize);
            var lowThree = Vector256.Create(0x00FF_FFFFu);
            var bigOne = Vector256.Create(0x0001_0000u);
            var lowByte = Vector256.Create(0xFFu);
            var secondByte = Vector256.Create(0xFF00u);
            for (; i <= to - 32 && i + 36 <= window.Length; i += 32)
            {
                var words = Vector256.Create<uint>(MemoryMarshal.Cast<byte, uint>(window.Slice(i, 32)));
                var next = Vector256.Create<uint>(MemoryMarshal.Cast<byte, uint>(window.Slice(i + 4, 32)));
                if (!BitConverter.IsLittleEndian)
                {
                    break;
                }

                // Little-endian key_size in 1..256: (w - 1) < 256 unsigned. Big-endian 1..255 is 0x??000000 (nonzero),
                // and 256 is 0x00010000. The description's first two bytes (the next word's low bytes) must be non-zero:
                // strict mode wants at least "x:".
                var le = little ? Vector256.LessThan(words - one, keySizeSpan) : Vector256<uint>.Zero;
                var be = big
                    ? ((Vector256.Equals(words & lowThree, Vector256<uint>.Zero) & ~Vector256.Equals(words, Vector256<uint>.Zero))
                       | Vector256.Equals(words, bigOne))
                    : Vector256<uint>.Zero;
                var candidates = (le | be)
                    & ~Vector256.Equals(next & lowByte, Vector256<uint>.Zero)
                    & ~Vector256.Equals(next & secondByte, Vector256<uint>.Zero);
                uint mask = candidates.ExtractMostSignificantBits();
                while (mask != 0)
                {
                    int lane = BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                    int p = i + (lane * 4);
                    if (p >= skipUntil)
                    {
                        skipUntil = Check(window, p, little, big, hits, skipUntil);
                    }
                }
            }
        }

        for (; i < to && i + 8 <= window.Length; i += 4)
        {
            if (i >= skipUntil && window[i + 4] != 0 && window[i + 5] != 0 && IsKeySize(window, i, little, big))
            {
                skipUntil = Check(window, i, little, big, hits, skipUntil);
            }
        }
    }

    private static bool IsKeySize(ReadOnlySpan<byte> window, int p, bool little, bool big) =>
        (little && BinaryPrimitives.ReadUInt32LittleEndian(window[p..]) - 1 < KeyBlobLayout.MaxKeySize)
        || (big && BinaryPrimitives.ReadUInt32BigEndian(window[p..]) - 1 < KeyBlobLayout.MaxKeySize);

    // Decides the candidate entry at p in each byte order asked for; returns the offset before which no later candidate
    // is checked (the end of a blob found, so its entries are not reported again).
    private static int Check(ReadOnlySpan<byte> window, int p, bool little, bool big, List<Hit> hits, int skipUntil)
    {
        if (little && TryCheck(window, p, KeyBlobByteOrder.LittleEndian, hits, out int end))
        {
            return Math.Max(skipUntil, end);
        }

        if (big && TryCheck(window, p, KeyBlobByteOrder.BigEndian, hits, out end))
        {
            return Math.Max(skipUntil, end);
        }

        return skipUntil;
    }

    private static bool TryCheck(ReadOnlySpan<byte> window, int p, KeyBlobByteOrder order, List<Hit> hits, out int end)
    {
        end = p;
        uint keySize = order == KeyBlobByteOrder.BigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(window[p..])
            : BinaryPrimitives.ReadUInt32LittleEndian(window[p..]);
        if (keySize - 1 >= KeyBlobLayout.MaxKeySize)
        {
            return false;
        }

        // Strict mode wants a description "prefix:rest" with its NUL inside the 128-byte field: most candidates (arrays
        // of small integers) fail this at once, before the codec is asked.
        ReadOnlySpan<byte> field = window[(p + KeyBlobLayout.DescriptionOffset)..];
        field = field[..Math.Min(field.Length, KeyBlobLayout.DescriptionFieldLength)];
        int nul = field.IndexOf((byte)0);
        if (nul < 2 || field[..nul].IndexOf((byte)':') <= 0)
        {
            return false;
        }

        var options = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Strict };

        // A complete blob whose first entry is this one: the count sits in the word before.
        if (p >= HeaderSize
            && KeyBlobReader.TryReadCount(window[(p - HeaderSize)..], order, out uint count)
            && count - 1 < KeyBlobLayout.MaxKeys
            && KeyBlobReader.TryRead(window[(p - HeaderSize)..], options, out KeyBlob blob, out _))
        {
            hits.Add(new Hit(p - HeaderSize, FindingKind.Blob, ToDumpOrder(order), blob.Size, Keys(blob)));
            end = p - HeaderSize + blob.Size;
            return true;
        }

        if (window.Length - p < EntrySize)
        {
            return false;
        }

        // A lone entry: checked as a blob of one, in a stack copy that is cleared on every path.
        Span<byte> single = stackalloc byte[HeaderSize + EntrySize];
        try
        {
            if (order == KeyBlobByteOrder.BigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(single, 1);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(single, 1);
            }

            window.Slice(p, EntrySize).CopyTo(single[HeaderSize..]);
            // A lone entry whose key is all zero holds no secret: it is zero padding after random bytes, or a scrubbed copy.
            if (KeyBlobReader.TryRead(single, options, out KeyBlob entry, out _) && entry[0].Key.ContainsAnyExcept((byte)0))
            {
                hits.Add(new Hit(p, FindingKind.Entry, ToDumpOrder(order), EntrySize, Keys(entry)));
                end = p + EntrySize;
                return true;
            }

            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(single);
        }
    }

    private static FoundKey[] Keys(KeyBlob blob)
    {
        var keys = new FoundKey[blob.Count];
        int i = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            keys[i++] = new FoundKey(entry.Description.ToArray(), entry.KeySize);
        }

        return keys;
    }

    private static DumpByteOrder ToDumpOrder(KeyBlobByteOrder order) =>
        order == KeyBlobByteOrder.BigEndian ? DumpByteOrder.BigEndian : DumpByteOrder.LittleEndian;
}
