using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Bench;

/// <summary>
/// The key set every row works on: <c>count</c> keys of <see cref="KeySize"/> bytes, each with a
/// <c>cryptsetup:&lt;uuid&gt;</c> description, as kdump-utils names LUKS volume keys. Generated from a
/// fixed seed so every run and the C program see keys of the same shape. Key bytes live in one
/// pinned array that <see cref="Dispose"/> clears.
/// </summary>
internal sealed class BenchInputs : IDisposable
{
    /// <summary>Bytes per key: a 512-bit volume key (aes-xts-plain64 with two 256-bit halves).</summary>
    public const int KeySize = 64;

    private readonly byte[] _keyBytes;

    public BenchInputs(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, KeyBlobLayout.MaxKeys);

        var random = new Random(20_260_000 + count);
        _keyBytes = GC.AllocateArray<byte>(count * KeySize, pinned: true);
        random.NextBytes(_keyBytes);

        // A random byte can be 0, which is fine for a key; the blob's data field is binary.
        DescriptionStrings = new string[count];
        Descriptions = new byte[count][];
        Keys = new KeyBlobKey[count];
        KeyArrays = new byte[count][];
        Span<byte> uuid = stackalloc byte[16];
        for (int i = 0; i < count; i++)
        {
            random.NextBytes(uuid);
            string description = string.Create(
                CultureInfo.InvariantCulture,
                $"cryptsetup:{Convert.ToHexStringLower(uuid[..4])}-{Convert.ToHexStringLower(uuid[4..6])}-{Convert.ToHexStringLower(uuid[6..8])}-{Convert.ToHexStringLower(uuid[8..10])}-{Convert.ToHexStringLower(uuid[10..])}");
            DescriptionStrings[i] = description;
            Descriptions[i] = Encoding.ASCII.GetBytes(description);
            Memory<byte> key = _keyBytes.AsMemory(i * KeySize, KeySize);
            Keys[i] = new KeyBlobKey(Descriptions[i], key);

            // The naive rows take keys the way most C# code holds them: one plain array each.
            KeyArrays[i] = key.ToArray();
        }
    }

    /// <summary>Descriptions as .NET strings, for the naive rows.</summary>
    public string[] DescriptionStrings { get; }

    /// <summary>Descriptions as ASCII bytes (36-character UUID, 47 bytes in all).</summary>
    public byte[][] Descriptions { get; }

    /// <summary>The writer's input; the key memory is pinned.</summary>
    public KeyBlobKey[] Keys { get; }

    /// <summary>Each key as its own unpinned array, for the naive rows.</summary>
    public byte[][] KeyArrays { get; }

    public int Count => Keys.Length;

    /// <summary>Bytes the kernel copies into the zeroed blob: <c>total_keys</c>, and per key <c>key_size</c>, the description and the key.</summary>
    public int ContentBytes
    {
        get
        {
            int total = KeyBlobLayout.CountLength;
            foreach (byte[] description in Descriptions)
            {
                total += KeyBlobLayout.KeySizeLength + description.Length + KeySize;
            }

            return total;
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_keyBytes);
        foreach (byte[] key in KeyArrays)
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
