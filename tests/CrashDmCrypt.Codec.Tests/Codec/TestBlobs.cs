using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>Small, readable key sets and blobs for the codec tests.</summary>
internal static class TestBlobs
{
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

    public static int Entry(int index) => KeyBlobLayout.GetEntryOffset(index);

    public static int Desc(int index) => Entry(index) + KeyBlobLayout.DescriptionOffset;

    public static int Data(int index) => Entry(index) + KeyBlobLayout.DataOffset;

    public static byte[] Also(this byte[] blob, Action<byte[]> edit)
    {
        edit(blob);
        return blob;
    }

    public static void PutDescription(byte[] blob, int index, string text)
    {
        Span<byte> field = blob.AsSpan(Desc(index), KeyBlobLayout.DescriptionFieldLength);
        field.Clear();
        Encoding.ASCII.GetBytes(text).CopyTo(field);
    }
}
