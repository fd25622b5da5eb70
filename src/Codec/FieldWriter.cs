using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace CrashDmCrypt.Codec;

/// <summary>
/// Writes the two fixed-size fields of an entry (<c>key_desc</c>, 128 bytes; <c>data</c>, 256 bytes) as
/// <c>build_keys_header</c> leaves them in its zeroed buffer: the value, then zeros to the end. Each field is
/// zeroed with a few full-width vector stores and the value copied with overlapping vector moves, so a
/// 47-byte description or a 64-byte key costs two loads and two stores and no call; safe spans throughout.
/// </summary>
internal static class FieldWriter
{
    /// <summary>Writes <paramref name="value"/> (at most 128 bytes) and zeros into the 128-byte <paramref name="field"/>.</summary>
    public static void WriteDescriptionField(ReadOnlySpan<byte> value, Span<byte> field)
    {
        field = field[..KeyBlobLayout.DescriptionFieldLength];
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<byte>.Zero.CopyTo(field);
            Vector512<byte>.Zero.CopyTo(field[64..]);
        }
        else
        {
            field.Clear();
        }

        CopyShort(value, field);
    }

    /// <summary>Writes <paramref name="value"/> (at most 256 bytes) and zeros into the 256-byte <paramref name="field"/>.</summary>
    public static void WriteDataField(ReadOnlySpan<byte> value, Span<byte> field)
    {
        field = field[..KeyBlobLayout.DataLength];
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<byte>.Zero.CopyTo(field);
            Vector512<byte>.Zero.CopyTo(field[64..]);
            Vector512<byte>.Zero.CopyTo(field[128..]);
            Vector512<byte>.Zero.CopyTo(field[192..]);
        }
        else
        {
            field.Clear();
        }

        CopyShort(value, field);
    }

    // Copies up to 256 bytes: whole 32-byte blocks, then one block that ends at the last byte and may overlap
    // the one before it; shorter values by two overlapping 16-, 8- or 4-byte moves.
    private static void CopyShort(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int length = source.Length;
        destination = destination[..length];
        if (length >= 32 && Vector256.IsHardwareAccelerated)
        {
            int last = length - 32;
            for (int i = 0; i < last; i += 32)
            {
                Vector256.Create(source[i..]).CopyTo(destination[i..]);
            }

            Vector256.Create(source[last..]).CopyTo(destination[last..]);
        }
        else if (length >= 16 && Vector128.IsHardwareAccelerated)
        {
            int last = length - 16;
            for (int i = 0; i < last; i += 16)
            {
                Vector128.Create(source[i..]).CopyTo(destination[i..]);
            }

            Vector128.Create(source[last..]).CopyTo(destination[last..]);
        }
        else if (length >= 8 && length <= 16)
        {
            ulong head = BinaryPrimitives.ReadUInt64LittleEndian(source);
            ulong tail = BinaryPrimitives.ReadUInt64LittleEndian(source[(length - 8)..]);
            BinaryPrimitives.WriteUInt64LittleEndian(destination, head);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(length - 8)..], tail);
        }
        else if (length >= 4 && length < 8)
        {
            uint head = BinaryPrimitives.ReadUInt32LittleEndian(source);
            uint tail = BinaryPrimitives.ReadUInt32LittleEndian(source[(length - 4)..]);
            BinaryPrimitives.WriteUInt32LittleEndian(destination, head);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(length - 4)..], tail);
        }
        else
        {
            source.CopyTo(destination);
        }
    }
}
