using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Tests.Shared;

/// <summary>
/// Small, readable key sets and blobs for every test project, made with the codec's writer and then bent
/// where a test needs it. Offsets come from <see cref="KeyBlobLayout"/>.
/// </summary>
internal static class TestBlobs
{
    /// <summary>A LUKS-style 64-byte key and a 4-byte one.</summary>
    public static readonly (string Description, byte[] Key)[] TwoKeys =
    [
        ("cryptsetup:11111111-2222-3333-4444-555555555555", Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
        ("svc:swap", [0xde, 0xad, 0xbe, 0xef]),
    ];

    public static KeyBlobKey Key(string description, int keySize, byte seed = 1)
    {
        var key = new byte[keySize];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(seed + (i * 7));
        }

        return new KeyBlobKey(Encoding.ASCII.GetBytes(description), key);
    }

    public static KeyBlobKey[] Keys(int count, int keySize = 64) =>
        Enumerable.Range(0, count)
            .Select(i => Key($"cryptsetup:{new Guid(i + 1, 0x1234, 0x5678, 9, 8, 7, 6, 5, 4, 3, 2):D}", keySize, (byte)(i + 1)))
            .ToArray();

    public static byte[] Blob(int count, KeyBlobByteOrder order = KeyBlobByteOrder.LittleEndian, int keySize = 64) =>
        Blob(Keys(count, keySize), order);

    public static byte[] Blob(KeyBlobKey[] keys, KeyBlobByteOrder order = KeyBlobByteOrder.LittleEndian)
    {
        var blob = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
        TestWriter.Write(keys, blob, order);
        return blob;
    }

    /// <summary>A blob of (UTF-8 description, key) pairs.</summary>
    public static byte[] Build(KeyBlobByteOrder byteOrder, params (string Description, byte[] Key)[] keys) =>
        Blob(keys.Select(k => new KeyBlobKey(Encoding.UTF8.GetBytes(k.Description), k.Key)).ToArray(), byteOrder);

    /// <summary>The blob of <see cref="TwoKeys"/>.</summary>
    public static byte[] Valid(KeyBlobByteOrder byteOrder = KeyBlobByteOrder.LittleEndian) => Build(byteOrder, TwoKeys);

    public static int Entry(int index) => KeyBlobLayout.GetEntryOffset(index);

    public static int Desc(int index) => Entry(index) + KeyBlobLayout.DescriptionOffset;

    public static int Data(int index) => Entry(index) + KeyBlobLayout.DataOffset;

    public static void PutU32(byte[] blob, int offset, uint value, KeyBlobByteOrder order = KeyBlobByteOrder.LittleEndian)
    {
        if (order == KeyBlobByteOrder.BigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(offset), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(offset), value);
        }
    }

    public static void SetKeySize(byte[] blob, int index, uint keySize) => PutU32(blob, Entry(index) + KeyBlobLayout.KeySizeOffset, keySize);

    public static void SetCount(byte[] blob, uint count) => PutU32(blob, KeyBlobLayout.CountOffset, count);

    public static byte[] Also(this byte[] blob, Action<byte[]> edit)
    {
        edit(blob);
        return blob;
    }

    /// <summary>Overwrites entry <paramref name="index"/>'s description field (NUL-padded) with ASCII text.</summary>
    public static void PutDescription(byte[] blob, int index, string text) => PutDescription(blob, index, Encoding.ASCII.GetBytes(text));

    /// <summary>Overwrites entry <paramref name="index"/>'s description field (NUL-padded).</summary>
    public static void PutDescription(byte[] blob, int index, byte[] description)
    {
        Span<byte> field = blob.AsSpan(Desc(index), KeyBlobLayout.DescriptionFieldLength);
        field.Clear();
        description.CopyTo(field);
    }

    /// <summary>
    /// Three problems, one per line expected: entry 0 key_size 0 (CDC005) and description without a colon
    /// (CDC010); entry 1 a stray byte in data after key_size (CDC012).
    /// </summary>
    public static byte[] WithThreeProblems()
    {
        byte[] blob = Valid();
        SetKeySize(blob, 0, 0);
        blob.AsSpan(Data(0), KeyBlobLayout.DataLength).Clear();
        PutDescription(blob, 0, "nocolon"u8.ToArray());
        blob[Data(1) + KeyBlobLayout.DataLength - 1] = 0x5a;
        return blob;
    }

    /// <summary>
    /// The CLI's default digest, made the long way: XXH3-64 of a copy of the first <paramref name="size"/>
    /// bytes whose entries' data fields are zeroed, with the <c>xxh3-nokeys:</c> prefix.
    /// </summary>
    public static string DigestWithoutKeys(byte[] blob, int? size = null)
    {
        byte[] copy = blob.AsSpan(0, size ?? blob.Length).ToArray();
        for (int i = 0; KeyBlobLayout.HeaderSize + ((i + 1) * KeyBlobLayout.EntrySize) <= copy.Length; i++)
        {
            copy.AsSpan(Data(i), KeyBlobLayout.DataLength).Clear();
        }

        return $"xxh3-nokeys:{XxHash3.HashToUInt64(copy):x16}";
    }

    /// <summary>The full digest (spec/FORMAT.md 13): <c>xxh3:</c> and XXH3-64 (seed 0) of every byte in 16 lowercase hex digits.</summary>
    public static string FullDigest(ReadOnlySpan<byte> bytes) => $"xxh3:{XxHash3.HashToUInt64(bytes):x16}";

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
