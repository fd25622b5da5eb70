using System.Buffers.Binary;
using System.Numerics;

namespace CrashDmCrypt.Dumps.Forms;

/// <summary>
/// The AES key expansion as the Linux kernel computes it (lib/crypto/aes.c:261-318, <c>aes_expandkey_generic</c>): the
/// encryption round keys (FIPS-197 5.2) and the decryption round keys of the Equivalent Inverse Cipher (FIPS-197 5.3.5),
/// as the u32 words <c>struct crypto_aes_ctx</c> holds (include/crypto/aes.h:122-126: <c>key_enc[60]</c>,
/// <c>key_dec[60]</c>, <c>key_length</c>; AES-NI keeps the same struct, and 7.2's <c>struct aes_key</c> the same words
/// after a 16-byte header). Written here because no .NET API exposes a schedule: System.Security.Cryptography.Aes
/// expands keys inside the platform's library and never hands the round keys out.
/// </summary>
internal static class AesKeyExpansion
{
    /// <summary>Words of each schedule for a key of <paramref name="keyLength"/> bytes: 4 * (rounds + 1), which is key_len + 28 (44, 52 or 60).</summary>
    public static int ScheduleWords(int keyLength) => keyLength + 28;

    /// <summary>Whether AES takes a key of this length (lib/crypto/aes.c, <c>aes_check_keylen</c>).</summary>
    public static bool IsKeyLength(int length) => length is 16 or 24 or 32;

    /// <summary>Expands <paramref name="key"/> into <paramref name="encrypt"/> and <paramref name="decrypt"/> (each <see cref="ScheduleWords"/> words).</summary>
    public static void Expand(ReadOnlySpan<byte> key, Span<uint> encrypt, Span<uint> decrypt)
    {
        if (!IsKeyLength(key.Length))
        {
            throw new ArgumentOutOfRangeException(nameof(key), "AES keys are 16, 24 or 32 bytes.");
        }

        int keyWords = key.Length / sizeof(uint);
        int words = ScheduleWords(key.Length);
        encrypt = encrypt[..words];
        decrypt = decrypt[..words];

        // aes.c:267-268: the key's bytes, read as little-endian words (get_unaligned_le32).
        for (int i = 0; i < keyWords; i++)
        {
            encrypt[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(i * sizeof(uint))..]);
        }

        // aes.c:270-292.
        uint rc = 1;
        for (int i = 0; i < 10; i++, rc = MulByX(rc))
        {
            int rki = i * keyWords;
            int rko = rki + keyWords;
            encrypt[rko] = BitOperations.RotateRight(SubWord(encrypt[rki + keyWords - 1]), 8) ^ rc ^ encrypt[rki];
            encrypt[rko + 1] = encrypt[rko] ^ encrypt[rki + 1];
            encrypt[rko + 2] = encrypt[rko + 1] ^ encrypt[rki + 2];
            encrypt[rko + 3] = encrypt[rko + 2] ^ encrypt[rki + 3];
            if (key.Length == 24)
            {
                if (i >= 7)
                {
                    break;
                }

                encrypt[rko + 4] = encrypt[rko + 3] ^ encrypt[rki + 4];
                encrypt[rko + 5] = encrypt[rko + 4] ^ encrypt[rki + 5];
            }
            else if (key.Length == 32)
            {
                if (i >= 6)
                {
                    break;
                }

                encrypt[rko + 4] = SubWord(encrypt[rko + 3]) ^ encrypt[rki + 4];
                encrypt[rko + 5] = encrypt[rko + 4] ^ encrypt[rki + 5];
                encrypt[rko + 6] = encrypt[rko + 5] ^ encrypt[rki + 6];
                encrypt[rko + 7] = encrypt[rko + 6] ^ encrypt[rki + 7];
            }
        }

        // aes.c:294-317: the round keys in reverse order, InvMixColumns applied to all but the first and the last.
        int last = key.Length + 24;     // aes.c:298: key_len + 24, the last round key's first word
        decrypt[0] = encrypt[last];
        decrypt[1] = encrypt[last + 1];
        decrypt[2] = encrypt[last + 2];
        decrypt[3] = encrypt[last + 3];
        int o = 4;
        for (int j = last - 4; j > 0; o += 4, j -= 4)
        {
            decrypt[o] = InvMixColumns(encrypt[j]);
            decrypt[o + 1] = InvMixColumns(encrypt[j + 1]);
            decrypt[o + 2] = InvMixColumns(encrypt[j + 2]);
            decrypt[o + 3] = InvMixColumns(encrypt[j + 3]);
        }

        decrypt[o] = encrypt[0];
        decrypt[o + 1] = encrypt[1];
        decrypt[o + 2] = encrypt[2];
        decrypt[o + 3] = encrypt[3];
    }

    // aes.c:197-204, mul_by_x: each byte times x in GF(2^8).
    private static uint MulByX(uint w) => ((w & 0x7f7f7f7f) << 1) ^ (((w & 0x80808080) >> 7) * 0x1b);

    // aes.c:206-214, mul_by_x2: each byte times x^2.
    private static uint MulByX2(uint w) =>
        ((w & 0x3f3f3f3f) << 2) ^ (((w & 0x80808080) >> 7) * 0x36) ^ (((w & 0x40404040) >> 6) * 0x1b);

    // aes.c:216-229, mix_columns.
    private static uint MixColumns(uint x)
    {
        uint y = MulByX(x) ^ BitOperations.RotateRight(x, 16);
        return y ^ BitOperations.RotateRight(x ^ y, 8);
    }

    // aes.c:231-250, inv_mix_columns.
    private static uint InvMixColumns(uint x)
    {
        uint y = MulByX2(x);
        return MixColumns(x ^ y ^ BitOperations.RotateRight(y, 16));
    }

    // aes.c:252-258, subw.
    private static uint SubWord(uint w) =>
        Sbox[(int)(w & 0xff)] ^ ((uint)Sbox[(int)((w >> 8) & 0xff)] << 8) ^ ((uint)Sbox[(int)((w >> 16) & 0xff)] << 16) ^ ((uint)Sbox[(int)(w >> 24)] << 24);

    // aes.c:17, aes_sbox (FIPS-197 Figure 7).
    private static ReadOnlySpan<byte> Sbox =>
    [
        0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
        0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
        0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
        0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
        0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
        0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
        0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
        0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
        0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
        0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
        0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
        0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
        0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
        0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
        0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
        0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
    ];
}
