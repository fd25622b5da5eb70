namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// The AES key schedules as FIPS-197 defines them (5.2 KeyExpansion, 5.3.5 the Equivalent Inverse Cipher's
/// decryption schedule), as bytes in the order the kernel's little-endian u32 words hold them in memory
/// (lib/crypto/aes.c). The lab's own, written from the standard, so the project's audit is checked against
/// something it did not compute; System.Security.Cryptography does not expose a schedule.
/// </summary>
internal static class FipsAes
{
    private static readonly byte[] Sbox = BuildSbox();

    public static byte[] EncryptionSchedule(ReadOnlySpan<byte> key)
    {
        int nk = key.Length / 4, nr = nk + 6, words = 4 * (nr + 1);
        var w = new byte[words * 4];
        key.CopyTo(w);
        byte rcon = 1;
        Span<byte> t = stackalloc byte[4];
        for (int i = nk; i < words; i++)
        {
            w.AsSpan((i - 1) * 4, 4).CopyTo(t);
            if (i % nk == 0)
            {
                byte first = t[0];
                t[0] = (byte)(Sbox[t[1]] ^ rcon);
                t[1] = Sbox[t[2]];
                t[2] = Sbox[t[3]];
                t[3] = Sbox[first];
                rcon = Xtime(rcon);
            }
            else if (nk > 6 && i % nk == 4)
            {
                for (int b = 0; b < 4; b++)
                {
                    t[b] = Sbox[t[b]];
                }
            }

            for (int b = 0; b < 4; b++)
            {
                w[(i * 4) + b] = (byte)(w[((i - nk) * 4) + b] ^ t[b]);
            }
        }

        return w;
    }

    public static byte[] DecryptionSchedule(ReadOnlySpan<byte> key)
    {
        byte[] enc = EncryptionSchedule(key);
        int rounds = (enc.Length / 16) - 1;
        var dec = new byte[enc.Length];
        for (int r = 0; r <= rounds; r++)
        {
            ReadOnlySpan<byte> source = enc.AsSpan((rounds - r) * 16, 16);
            Span<byte> target = dec.AsSpan(r * 16, 16);
            source.CopyTo(target);
            if (r > 0 && r < rounds)
            {
                for (int c = 0; c < 4; c++)
                {
                    InvMixColumn(target.Slice(c * 4, 4));
                }
            }
        }

        return dec;
    }

    internal static void InvMixColumn(Span<byte> a)
    {
        byte a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        a[0] = (byte)(Mul(a0, 14) ^ Mul(a1, 11) ^ Mul(a2, 13) ^ Mul(a3, 9));
        a[1] = (byte)(Mul(a0, 9) ^ Mul(a1, 14) ^ Mul(a2, 11) ^ Mul(a3, 13));
        a[2] = (byte)(Mul(a0, 13) ^ Mul(a1, 9) ^ Mul(a2, 14) ^ Mul(a3, 11));
        a[3] = (byte)(Mul(a0, 11) ^ Mul(a1, 13) ^ Mul(a2, 9) ^ Mul(a3, 14));
    }

    private static byte Xtime(byte b) => (byte)((b << 1) ^ ((b & 0x80) != 0 ? 0x1b : 0));

    private static byte Mul(byte a, int b)
    {
        byte result = 0;
        for (; b != 0; b >>= 1, a = Xtime(a))
        {
            if ((b & 1) != 0)
            {
                result ^= a;
            }
        }

        return result;
    }

    private static byte[] BuildSbox()
    {
        var sbox = new byte[256];
        for (int x = 0; x < 256; x++)
        {
            // Multiplicative inverse in GF(2^8), then the affine transform (FIPS-197 5.1.1).
            byte inv = 0;
            for (int y = 1; y < 256 && x != 0; y++)
            {
                if (Mul((byte)x, y) == 1)
                {
                    inv = (byte)y;
                    break;
                }
            }

            int s = inv;
            for (int i = 1; i <= 4; i++)
            {
                s ^= ((inv << i) | (inv >> (8 - i))) & 0xff;
            }

            sbox[x] = (byte)(s ^ 0x63);
        }

        return sbox;
    }
}
