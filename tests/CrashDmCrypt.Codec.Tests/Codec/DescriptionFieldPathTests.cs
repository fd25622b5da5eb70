using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// Every vector path of <see cref="DescriptionField"/> called directly, whatever this machine accelerates (Vector512
/// and Vector256 run in software where they are not), against a scalar model: each single position of the byte that
/// matters, then random fields.
/// </summary>
public class DescriptionFieldPathTests
{
    private static readonly byte[] Values = [0, (byte)'\n', (byte)':', (byte)'a', 0x80, 0xFF];

    private static ulong MaskModel(ReadOnlySpan<byte> bytes, byte value)
    {
        ulong mask = 0;
        for (int i = 0; i < 64; i++)
        {
            if (bytes[i] == value)
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    private static void CheckMasks(byte[] block, string what)
    {
        foreach (byte value in Values)
        {
            ulong expected = MaskModel(block, value);
            Assert.True(expected == DescriptionField.Mask512(block, value), $"Mask512 {value:x2}, {what}");
            Assert.True(expected == DescriptionField.Mask256(block, value), $"Mask256 {value:x2}, {what}");
            Assert.True(expected == DescriptionField.Mask128(block, value), $"Mask128 {value:x2}, {what}");
        }
    }

    [Fact]
    public void Every_mask_path_sets_exactly_the_bits_of_the_matching_bytes()
    {
        var block = new byte[64];
        foreach (byte background in new byte[] { (byte)'k', 0 })
        {
            foreach (byte value in Values)
            {
                for (int at = -1; at < 64; at++)
                {
                    Array.Fill(block, background);
                    if (at >= 0)
                    {
                        block[at] = value;
                    }

                    CheckMasks(block, $"{value:x2} at {at} among {background:x2}");
                }
            }
        }

        var random = new Random(12);
        for (int round = 0; round < 2000; round++)
        {
            for (int i = 0; i < block.Length; i++)
            {
                block[i] = Values[random.Next(Values.Length)];
            }

            CheckMasks(block, $"random round {round}");
        }
    }

    [Fact]
    public void Every_padding_path_agrees_with_a_search_for_every_key_size_and_stray_byte()
    {
        byte[] data = new byte[KeyBlobLayout.DataLength];
        for (int keySize = 0; keySize <= KeyBlobLayout.DataLength; keySize++)
        {
            for (int stray = -1; stray < KeyBlobLayout.DataLength; stray++)
            {
                data.AsSpan().Clear();
                data.AsSpan(0, keySize).Fill(0xEE);
                if (stray >= 0)
                {
                    data[stray] = 1;
                }

                bool expected = stray < keySize;
                Assert.True(expected == DescriptionField.IsPaddingZero512(data, keySize), $"512: key size {keySize}, stray byte at {stray}");
                Assert.True(expected == DescriptionField.IsPaddingZeroScalar(data, keySize), $"scalar: key size {keySize}, stray byte at {stray}");
                Assert.True(expected == DescriptionField.IsPaddingZero(data, keySize), $"dispatch: key size {keySize}, stray byte at {stray}");
            }
        }
    }

    [Fact]
    public void Two_equal_stray_bytes_64_apart_do_not_cancel_out()
    {
        // The blocks after the one that holds byte keySize are combined: two equal bytes at the same place of two
        // blocks must still count as stray.
        byte[] data = new byte[KeyBlobLayout.DataLength];
        for (int keySize = 0; keySize <= KeyBlobLayout.DataLength; keySize++)
        {
            for (int stray = keySize; stray + 64 < KeyBlobLayout.DataLength; stray++)
            {
                data.AsSpan().Clear();
                data.AsSpan(0, keySize).Fill(0xEE);
                data[stray] = 0x5A;
                data[stray + 64] = 0x5A;
                Assert.False(DescriptionField.IsPaddingZero512(data, keySize), $"512: key size {keySize}, stray bytes at {stray} and {stray + 64}");
                Assert.False(DescriptionField.IsPaddingZeroScalar(data, keySize), $"scalar: key size {keySize}, stray bytes at {stray} and {stray + 64}");
            }
        }
    }

    // Writer rules 3b-3d written plainly (spec/FORMAT.md section 7), for 1..127 bytes.
    private static bool WriterModel(byte[] description)
    {
        int firstColon = -1;
        for (int i = 0; i < description.Length; i++)
        {
            if (description[i] is 0 or (byte)'\n')
            {
                return false;
            }

            if (description[i] == (byte)':' && firstColon < 0)
            {
                firstColon = i;
            }
        }

        return firstColon > 0;
    }

    private static void CheckWriterPaths(byte[] d, string what)
    {
        bool expected = WriterModel(d);
        Assert.True(expected == DescriptionField.IsValidWriterDescriptionScalar(d), $"scalar: {what}");
        Assert.True(expected == DescriptionField.IsValidWriterDescription(d), $"dispatch: {what}");
        if (d.Length >= 32)
        {
            Assert.True(expected == DescriptionField.IsValidWriterDescription256(d), $"256: {what}");
        }
    }

    [Fact]
    public void Every_writer_description_path_agrees_with_the_rules_for_every_length_and_position()
    {
        for (int length = 1; length <= KeyBlobLayout.MaxDescriptionLength; length++)
        {
            foreach (int colon in new[] { -1, 0, 1, length / 2, length - 1 })
            {
                foreach (byte special in new byte[] { 0, (byte)'\n', (byte)':' })
                {
                    for (int at = -1; at < length; at++)
                    {
                        byte[] d = new byte[length];
                        Array.Fill(d, (byte)'k');
                        if (colon >= 0 && colon < length)
                        {
                            d[colon] = (byte)':';
                        }

                        if (at >= 0)
                        {
                            d[at] = special;
                        }

                        CheckWriterPaths(d, $"length {length}, ':' at {colon}, {special:x2} at {at}");
                    }
                }
            }
        }

        var random = new Random(34);
        for (int round = 0; round < 5000; round++)
        {
            byte[] d = new byte[random.Next(1, KeyBlobLayout.MaxDescriptionLength + 1)];
            for (int i = 0; i < d.Length; i++)
            {
                // Mostly plain bytes, so that valid descriptions are common.
                int pick = random.Next(200);
                d[i] = pick < Values.Length ? Values[pick] : (byte)('b' + (pick % 20));
            }

            if (round % 2 == 0 && d.Length > 1)
            {
                d[random.Next(1, d.Length)] = (byte)':';
            }

            CheckWriterPaths(d, $"random round {round}, {Convert.ToHexString(d)}");
        }
    }

    // The strict description rules written plainly (spec/FORMAT.md section 6).
    private static bool StrictModel(byte[] field, out int length)
    {
        length = 0;
        int nul = Array.IndexOf(field, (byte)0);
        if (nul < 0)
        {
            return false;
        }

        int newline = Array.IndexOf(field, (byte)'\n', 0, nul);
        int colon = Array.IndexOf(field, (byte)':', 0, nul);
        bool paddingZero = field.Skip(nul + 1).All(b => b == 0);
        length = nul;
        return newline < 0 && colon > 0 && paddingZero;
    }

    [Fact]
    public void The_strict_check_agrees_with_the_rules_on_random_fields_and_gives_the_length()
    {
        var random = new Random(56);
        var field = new byte[KeyBlobLayout.DescriptionFieldLength];
        for (int round = 0; round < 20_000; round++)
        {
            // A description of random length, its padding, then a few random changes anywhere.
            int nul = random.Next(0, KeyBlobLayout.DescriptionFieldLength + 1);
            Array.Clear(field);
            for (int i = 0; i < nul; i++)
            {
                field[i] = (byte)('b' + random.Next(20));
            }

            if (nul > 1)
            {
                field[random.Next(1, nul)] = (byte)':';
            }

            for (int changes = random.Next(0, 3); changes > 0; changes--)
            {
                field[random.Next(field.Length)] = Values[random.Next(Values.Length)];
            }

            bool expected = StrictModel(field, out int expectedLength);
            bool actual = DescriptionField.IsValidStrict(field, out int length);
            Assert.True(expected == actual, $"round {round}: {Convert.ToHexString(field)}");
            if (expected)
            {
                Assert.Equal(expectedLength, length);
            }

            Assert.Equal(Array.IndexOf(field, (byte)0), DescriptionField.IndexOfTerminator(field));
        }
    }
}
