namespace CrashDmCrypt.Lab.Tests;

/// <summary>The lab's AES schedules against FIPS-197 Appendix A (runs everywhere: no QEMU needed).</summary>
public sealed class FipsAesTests
{
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", 43, "b6630ca6")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", 51, "01002202")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 59, "706c631e")]
    public void The_last_word_of_the_expansion_is_fips_197_appendix_a(string key, int lastWord, string expected)
    {
        byte[] schedule = FipsAes.EncryptionSchedule(Convert.FromHexString(key));
        Assert.Equal((lastWord + 1) * 4, schedule.Length);
        Assert.Equal(expected, Convert.ToHexStringLower(schedule.AsSpan(lastWord * 4, 4)));
    }

    [Fact]
    public void The_decryption_schedule_starts_with_the_last_round_key_and_ends_with_the_key()
    {
        byte[] key = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] enc = FipsAes.EncryptionSchedule(key);
        byte[] dec = FipsAes.DecryptionSchedule(key);
        Assert.Equal(Convert.ToHexStringLower(enc.AsSpan(160, 16)), Convert.ToHexStringLower(dec.AsSpan(0, 16)));
        Assert.Equal(Convert.ToHexStringLower(key), Convert.ToHexStringLower(dec.AsSpan(160, 16)));
        // The middle round keys are InvMixColumns of the encryption ones: the MixColumns test column
        // db 13 53 45 -> 8e 4d a1 bc, inverted.
        byte[] column = Convert.FromHexString("8e4da1bc");
        FipsAes.InvMixColumn(column);
        Assert.Equal("db135345", Convert.ToHexStringLower(column));
        byte[] round9 = enc.AsSpan(144, 16).ToArray();
        for (int c = 0; c < 4; c++)
        {
            FipsAes.InvMixColumn(round9.AsSpan(c * 4, 4));
        }

        Assert.Equal(Convert.ToHexStringLower(round9), Convert.ToHexStringLower(dec.AsSpan(16, 16)));
    }
}
