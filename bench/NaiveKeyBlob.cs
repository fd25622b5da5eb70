using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Bench;

/// <summary>
/// The baseline that shows what the codec saves: the blob written and read the way most C# code
/// would do it (<see cref="MemoryStream"/>, <see cref="BinaryWriter"/>/<see cref="BinaryReader"/>,
/// <see cref="Encoding.ASCII"/>, a new array per field). It checks the same rules as the codec's
/// strict mode, so the comparison is of method, not of rigour. Deliberately not hardened: it
/// throws on bad input and leaves copies of key material on the heap, which is the point.
/// </summary>
internal static class NaiveKeyBlob
{
    private const int DescriptionLength = 128;
    private const int DataLength = 256;

    public static byte[] Serialise(string[] descriptions, byte[][] keys, bool bigEndian)
    {
        if (descriptions.Length == 0 || descriptions.Length > 128)
        {
            throw new ArgumentException("Need 1 to 128 keys.", nameof(descriptions));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.ASCII);
        writer.Write(ToOrder((uint)descriptions.Length, bigEndian));
        for (int i = 0; i < descriptions.Length; i++)
        {
            string description = descriptions[i];
            byte[] key = keys[i];
            if (description.Length == 0 || description.Length > 127 || description.IndexOf(':', StringComparison.Ordinal) <= 0
                || description.Contains('\n', StringComparison.Ordinal) || description.Contains('\0', StringComparison.Ordinal)
                || key.Length == 0 || key.Length > DataLength || !seen.Add(description))
            {
                throw new ArgumentException($"Key {i} is invalid.", nameof(keys));
            }

            writer.Write(ToOrder((uint)key.Length, bigEndian));
            byte[] descriptionField = new byte[DescriptionLength];
            Encoding.ASCII.GetBytes(description, 0, description.Length, descriptionField, 0);
            writer.Write(descriptionField);
            byte[] dataField = new byte[DataLength];
            Array.Copy(key, dataField, key.Length);
            writer.Write(dataField);
        }

        return stream.ToArray();
    }

    public static List<NaiveKey> Read(byte[] blob, int length, bool bigEndian)
    {
        using var stream = new MemoryStream(blob, 0, length, writable: false);
        using var reader = new BinaryReader(stream, Encoding.ASCII);
        uint count = ToOrder(reader.ReadUInt32(), bigEndian);
        if (count == 0 || count > 128 || stream.Length < 4 + (388 * count))
        {
            throw new InvalidDataException("Bad key count.");
        }

        var keys = new List<NaiveKey>((int)count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            uint keySize = ToOrder(reader.ReadUInt32(), bigEndian);
            byte[] descriptionField = reader.ReadBytes(DescriptionLength);
            byte[] dataField = reader.ReadBytes(DataLength);
            if (keySize == 0 || keySize > DataLength)
            {
                throw new InvalidDataException($"Entry {i}: bad key size.");
            }

            int nul = Array.IndexOf(descriptionField, (byte)0);
            if (nul <= 0)
            {
                throw new InvalidDataException($"Entry {i}: bad description.");
            }

            string description = Encoding.ASCII.GetString(descriptionField, 0, nul);
            if (description.IndexOf(':', StringComparison.Ordinal) <= 0 || description.Contains('\n', StringComparison.Ordinal)
                || !IsZero(descriptionField, nul, DescriptionLength) || !IsZero(dataField, (int)keySize, DataLength)
                || !seen.Add(description))
            {
                throw new InvalidDataException($"Entry {i}: bad description or padding.");
            }

            byte[] key = new byte[keySize];
            Array.Copy(dataField, key, keySize);
            keys.Add(new NaiveKey(description, key));
        }

        return keys;
    }

    private static bool IsZero(byte[] field, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (field[i] != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static uint ToOrder(uint value, bool bigEndian) =>
        bigEndian == BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
}

/// <summary>One key as the naive reader returns it: a string and a fresh array.</summary>
internal sealed record NaiveKey(string Description, byte[] Key);
