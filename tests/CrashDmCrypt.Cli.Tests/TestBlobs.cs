using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>Blobs for the command tests, made with the codec's writer and then bent where a test needs it.</summary>
internal static class TestBlobs
{
    public static readonly (string Description, byte[] Key)[] TwoKeys =
    [
        ("cryptsetup:11111111-2222-3333-4444-555555555555", Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
        ("svc:swap", [0xde, 0xad, 0xbe, 0xef]),
    ];

    public static byte[] Build(KeyBlobByteOrder byteOrder, params (string Description, byte[] Key)[] keys)
    {
        KeyBlobKey[] blobKeys = keys.Select(k => new KeyBlobKey(Encoding.UTF8.GetBytes(k.Description), k.Key)).ToArray();
        var blob = new byte[KeyBlobWriter.GetRequiredSize(blobKeys.Length)];
        TestWriter.Write(blobKeys, blob, byteOrder);
        return blob;
    }

    public static byte[] Valid(KeyBlobByteOrder byteOrder = KeyBlobByteOrder.LittleEndian) => Build(byteOrder, TwoKeys);

    public static int EntryOffset(int index) => KeyBlobLayout.GetEntryOffset(index);

    /// <summary>Overwrites entry <paramref name="index"/>'s description field (NUL-padded).</summary>
    public static void SetDescription(byte[] blob, int index, byte[] description)
    {
        Span<byte> field = blob.AsSpan(EntryOffset(index) + KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength);
        field.Clear();
        description.CopyTo(field);
    }

    public static void SetKeySize(byte[] blob, int index, uint keySize) =>
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(EntryOffset(index) + KeyBlobLayout.KeySizeOffset), keySize);

    public static void SetCount(byte[] blob, uint count) =>
        BinaryPrimitives.WriteUInt32LittleEndian(blob, count);

    /// <summary>
    /// Three problems, one per line expected: entry 0 key_size 0 (CDC005) and description without a colon
    /// (CDC010); entry 1 a stray byte in data after key_size (CDC012).
    /// </summary>
    public static byte[] WithThreeProblems()
    {
        byte[] blob = Valid();
        SetKeySize(blob, 0, 0);
        blob.AsSpan(EntryOffset(0) + KeyBlobLayout.DataOffset, KeyBlobLayout.DataLength).Clear();
        SetDescription(blob, 0, "nocolon"u8.ToArray());
        blob[EntryOffset(1) + KeyBlobLayout.DataOffset + KeyBlobLayout.DataLength - 1] = 0x5a;
        return blob;
    }

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
