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
}
