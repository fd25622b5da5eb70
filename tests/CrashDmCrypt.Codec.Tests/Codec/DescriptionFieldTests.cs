using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>The one-pass strict fast path agrees with the rule-by-rule definition on every NUL position.</summary>
public class DescriptionFieldTests
{
    // The strict description rules written plainly, from spec/FORMAT.md section 6.
    private static bool Reference(byte[] field)
    {
        int nul = Array.IndexOf(field, (byte)0);
        if (nul <= 0)
        {
            return false;
        }

        int newline = Array.IndexOf(field, (byte)'\n', 0, nul);
        int colon = Array.IndexOf(field, (byte)':', 0, nul);
        bool paddingZero = field.Skip(nul + 1).All(b => b == 0);
        return newline < 0 && colon > 0 && paddingZero;
    }

    [Fact]
    public void Agrees_with_the_rules_for_every_terminator_colon_newline_and_stray_byte_position()
    {
        int checkedFields = 0;
        var field = new byte[KeyBlobLayout.DescriptionFieldLength];
        for (int nul = 0; nul <= 128; nul++)
        {
            foreach (int colon in new[] { -1, 0, 1, nul - 1, nul + 1, 127 })
            {
                foreach (int special in new[] { -1, 0, nul / 2, nul - 1, nul + 1, 63, 64, 127 })
                {
                    foreach (byte specialValue in new byte[] { (byte)'\n', 0x41 })
                    {
                        Array.Fill(field, (byte)'a');
                        if (nul < 128)
                        {
                            field.AsSpan(nul).Clear();
                        }

                        if (colon >= 0 && colon < 128)
                        {
                            field[colon] = (byte)':';
                        }

                        if (special >= 0 && special < 128)
                        {
                            field[special] = specialValue;
                        }

                        Assert.True(
                            Reference(field) == DescriptionField.IsValidStrict(field, out _),
                            $"nul {nul}, colon {colon}, byte {specialValue:x2} at {special}");
                        int expectedNul = Array.IndexOf(field, (byte)0);
                        Assert.Equal(expectedNul, DescriptionField.IndexOfTerminator(field));
                        checkedFields++;
                    }
                }
            }
        }

        Assert.True(checkedFields > 10_000);
    }

    [Fact]
    public void A_field_may_start_strict_exactly_when_its_first_four_bytes_complete_to_a_strict_field()
    {
        // Every start over NUL, ':' and a letter (byte 0 not ':', which the start test leaves to the codec): cut at its first
        // NUL and zero-padded, or followed by ':' when it has none, it is strict exactly when the start test says it may be.
        byte[] alphabet = [0, (byte)':', (byte)'a'];
        int starts = 0;
        for (int code = 0; code < 81; code++)
        {
            byte[] start = [alphabet[code % 3], alphabet[code / 3 % 3], alphabet[code / 9 % 3], alphabet[code / 27]];
            if (start[0] == (byte)':')
            {
                continue;
            }

            var field = new byte[KeyBlobLayout.DescriptionFieldLength];
            int nul = Array.IndexOf(start, (byte)0);
            start.AsSpan(0, nul < 0 ? 4 : nul).CopyTo(field);
            if (nul < 0)
            {
                field[4] = (byte)':';
            }

            Assert.True(DescriptionField.IsValidStrict(field, out _) == DescriptionField.MayStartStrict(start), Convert.ToHexString(start));
            starts++;
        }

        Assert.Equal(54, starts);
    }

    [Theory]
    [InlineData(0u, false)]
    [InlineData(1u, true)]
    [InlineData(32u, true)]
    [InlineData(256u, true)]
    [InlineData(257u, false)]
    [InlineData(0x0001_0000u, false)]
    [InlineData(uint.MaxValue, false)]
    public void The_strict_key_size_is_1_to_256(uint keySize, bool strict) =>
        Assert.Equal(strict, EntryLengths.IsStrictKeySize(keySize));
}
