using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// Turns fuzz bytes into a key set for the writer target. Missing bytes read as 0, so every input decodes.
/// <code>
/// byte 0   flags: bit 0 big-endian; bits 1-3 slack bytes after the blob in the destination
/// byte 1   key count: 0..130 as is; 131..255 picks from {1, 2, 127, 128, 129}
/// per key  a description selector, its argument bytes, a key selector, its argument bytes:
///   description (sel &amp; 7): 0 generated unique "cryptsetup:&lt;hex index&gt;"; 1 raw: length byte, then that many
///     input bytes; 2 boundary length from {0, 1, 2, 126, 127, 128, 129, 256}[next &amp; 7], logon-form filler;
///     3 copy of an earlier key's description (next % index); 4 generated with byte [next % length] set to next;
///     5..7 generated
///   key (sel &amp; 3): 0 boundary length from {0, 1, 2, 127, 128, 129, 255, 256, 257, 512}[next % 10]; 1 raw: length
///     byte, then input bytes; 2 length = next u16 (little-endian) % 1025; 3 64 bytes
/// </code>
/// Descriptions and keys are written into a pinned arena that the caller clears.
/// </summary>
internal ref struct KeySetDecoder
{
    public const int MaxKeys = 130;
    public const int MaxDescriptionLength = 256;
    public const int MaxKeyLength = 1024;

    private static readonly int[] CountBoundaries = [1, 2, 127, 128, 129];
    private static readonly int[] DescriptionBoundaries = [0, 1, 2, 126, 127, 128, 129, 256];
    private static readonly int[] KeyBoundaries = [0, 1, 2, 127, 128, 129, 255, 256, 257, 512];

    private readonly ReadOnlySpan<byte> _input;
    private int _position;

    public KeySetDecoder(ReadOnlySpan<byte> input) => _input = input;

    /// <summary>Bytes of the arena the last <see cref="Decode"/> used.</summary>
    public int ArenaUsed { get; private set; }

    /// <summary>Decodes the key set into <paramref name="keys"/>, backed by <paramref name="arena"/>.</summary>
    /// <returns>The number of keys.</returns>
    public int Decode(byte[] arena, KeyBlobKey[] keys, out KeyBlobByteOrder order, out int slack)
    {
        byte flags = Next();
        order = (flags & 1) != 0 ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
        slack = (flags >> 1) & 7;
        byte countByte = Next();
        int count = countByte <= MaxKeys ? countByte : CountBoundaries[(countByte - MaxKeys - 1) % CountBoundaries.Length];

        ArenaUsed = 0;
        for (int i = 0; i < count; i++)
        {
            Memory<byte> description = DecodeDescription(arena, keys, i);
            Memory<byte> key = DecodeKey(arena, i);
            keys[i] = new KeyBlobKey(description, key);
        }

        return count;
    }

    private Memory<byte> DecodeDescription(byte[] arena, KeyBlobKey[] keys, int index)
    {
        byte selector = Next();
        switch (selector & 7)
        {
            case 1:
                return Raw(arena, Next());
            case 2:
            {
                int length = DescriptionBoundaries[Next() & 7];
                Memory<byte> text = Take(arena, length);
                Filler(text.Span, index);
                return text;
            }

            case 3 when index > 0:
            {
                ReadOnlyMemory<byte> earlier = keys[Next() % index].Description;
                Memory<byte> copy = Take(arena, earlier.Length);
                earlier.Span.CopyTo(copy.Span);
                return copy;
            }

            case 4:
            {
                Memory<byte> text = Generated(arena, index);
                int at = Next() % text.Length;
                text.Span[at] = Next();
                return text;
            }

            default:
                return Generated(arena, index);
        }
    }

    private Memory<byte> DecodeKey(byte[] arena, int index)
    {
        byte selector = Next();
        int length;
        switch (selector & 3)
        {
            case 0:
                length = KeyBoundaries[Next() % KeyBoundaries.Length];
                break;
            case 1:
                return Raw(arena, Next());
            case 2:
                length = (Next() | (Next() << 8)) % (MaxKeyLength + 1);
                break;
            default:
                length = 64;
                break;
        }

        Memory<byte> key = Take(arena, length);
        Span<byte> span = key.Span;
        for (int j = 0; j < span.Length; j++)
        {
            span[j] = (byte)((index * 37) + (j * 11) + 1);
        }

        return key;
    }

    private static void Filler(Span<byte> text, int index)
    {
        // "k:" then 'x', with the key index in hex at the end when it fits, so boundary lengths stay unique.
        text.Fill((byte)'x');
        if (text.Length >= 1)
        {
            text[0] = (byte)'k';
        }

        if (text.Length >= 2)
        {
            text[1] = (byte)':';
        }

        if (text.Length >= 4)
        {
            _ = index.TryFormat(text[^2..], out _, "x2");
        }
    }

    private Memory<byte> Generated(byte[] arena, int index)
    {
        ReadOnlySpan<byte> prefix = "cryptsetup:"u8;
        Memory<byte> text = Take(arena, prefix.Length + 4);
        prefix.CopyTo(text.Span);
        _ = index.TryFormat(text.Span[prefix.Length..], out _, "x4");
        return text;
    }

    private Memory<byte> Raw(byte[] arena, int length)
    {
        int available = Math.Min(length, _input.Length - Math.Min(_position, _input.Length));
        Memory<byte> bytes = Take(arena, available);
        _input.Slice(_position, available).CopyTo(bytes.Span);
        _position += available;
        return bytes;
    }

    private Memory<byte> Take(byte[] arena, int length)
    {
        Memory<byte> bytes = arena.AsMemory(ArenaUsed, length);
        ArenaUsed += length;
        return bytes;
    }

    private byte Next() => _position < _input.Length ? _input[_position++] : (byte)0;
}
