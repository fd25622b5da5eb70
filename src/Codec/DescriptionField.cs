using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrashDmCrypt.Codec;

/// <summary>
/// One pass over a 128-byte <c>key_desc</c> field that answers every strict question at once
/// (where the NUL is, whether a newline or the logon colon comes before it, whether the padding
/// is zero) from three bit masks, instead of four separate searches.
/// </summary>
internal static class DescriptionField
{
    /// <summary>
    /// Whether <paramref name="field"/> passes every strict description rule. Only says yes or no:
    /// on <see langword="false"/> the caller runs the rule-by-rule checks to name the failure.
    /// </summary>
    /// <param name="field">Exactly <see cref="KeyBlobLayout.DescriptionFieldLength"/> bytes.</param>
    /// <param name="length">The description's length (the NUL's position) when valid.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidStrict(ReadOnlySpan<byte> field, out int length)
    {
        length = 0;
        ReadOnlySpan<byte> low = field[..64];
        ReadOnlySpan<byte> high = field.Slice(64, 64);
        ulong zeroLow = Mask(low, 0), zeroHigh = Mask(high, 0);
        int nul = FirstSet(zeroLow, zeroHigh);

        // Not terminated, or empty.
        if (nul is 0 or KeyBlobLayout.DescriptionFieldLength)
        {
            return false;
        }

        // config_key_description_store cuts at the first newline; logon_vet_description wants a ':' after byte 0.
        int newline = FirstSet(Mask(low, (byte)'\n'), Mask(high, (byte)'\n'));
        int colon = FirstSet(Mask(low, (byte)':'), Mask(high, (byte)':'));
        if (newline < nul || colon == 0 || colon > nul)
        {
            return false;
        }

        // Every byte after the NUL is zero (build_keys_header zero-allocates the blob).
        ulong strayLow = nul < 63 ? ~zeroLow & (ulong.MaxValue << (nul + 1)) : 0;
        ulong strayHigh = nul < 64 ? ~zeroHigh : nul < 127 ? ~zeroHigh & (ulong.MaxValue << (nul - 63)) : 0;
        length = nul;
        return (strayLow | strayHigh) == 0;
    }

    /// <summary>
    /// Whether a description given to the writer passes every writer rule (rows 3a-3d of spec/FORMAT.md section 7:
    /// 1..127 bytes, no NUL, no newline, a ':' after byte 0). Only says yes or no, in one pass of overlapping
    /// 32-byte blocks: whether a byte is anywhere in the description does not depend on how the blocks overlap.
    /// On <see langword="false"/> the writer runs the rule-by-rule checks to name the failure.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidWriterDescription(ReadOnlySpan<byte> description)
    {
        int length = description.Length;
        if ((uint)(length - 32) > KeyBlobLayout.MaxDescriptionLength - 32 || !Vector256.IsHardwareAccelerated)
        {
            // Short (or no vectors): the general searches, as the rules run them.
            return (uint)(length - 1) < KeyBlobLayout.MaxDescriptionLength
                && description.IndexOfAny((byte)0, (byte)'\n') < 0
                && description.IndexOf((byte)':') > 0;
        }

        Vector256<byte> nul = Vector256<byte>.Zero;
        Vector256<byte> newline = Vector256.Create((byte)'\n');
        Vector256<byte> colon = Vector256.Create((byte)':');
        Vector256<byte> bad = Vector256<byte>.Zero;
        Vector256<byte> colons = Vector256<byte>.Zero;
        int last = length - 32;
        for (int i = 0; ; i += 32)
        {
            Vector256<byte> block = Vector256.Create(description[Math.Min(i, last)..]);
            bad |= Vector256.Equals(block, nul) | Vector256.Equals(block, newline);
            colons |= Vector256.Equals(block, colon);
            if (i >= last)
            {
                break;
            }
        }

        // logon_vet_description: the first ':' is not byte 0.
        return bad == Vector256<byte>.Zero && colons != Vector256<byte>.Zero && description[0] != (byte)':';
    }

    /// <summary>Index of the first NUL in a 128-byte field, or -1: <c>IndexOf(0)</c> without the general search's setup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfTerminator(ReadOnlySpan<byte> field)
    {
        int nul = FirstSet(Mask(field[..64], 0), Mask(field.Slice(64, 64), 0));
        return nul == KeyBlobLayout.DescriptionFieldLength ? -1 : nul;
    }

    /// <summary>
    /// Whether every byte of the 256-byte <c>data</c> field after the first <paramref name="keySize"/> bytes is zero,
    /// without a call: the block that holds byte <paramref name="keySize"/> is masked, the blocks after it are ORed.
    /// </summary>
    /// <param name="data">Exactly <see cref="KeyBlobLayout.DataLength"/> bytes.</param>
    /// <param name="keySize">0..256.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPaddingZero(ReadOnlySpan<byte> data, int keySize)
    {
        data = data[..KeyBlobLayout.DataLength];
        if (!Vector512.IsHardwareAccelerated)
        {
            return !data[keySize..].ContainsAnyExcept((byte)0);
        }

        int block = keySize >> 6;
        if (block == KeyBlobLayout.DataLength / 64)
        {
            return true;
        }

        Vector512<byte> first = Vector512.Create(data[(block * 64)..]);
        ulong stray = ~Vector512.Equals(first, Vector512<byte>.Zero).ExtractMostSignificantBits() & (ulong.MaxValue << (keySize & 63));
        Vector512<byte> rest = Vector512<byte>.Zero;
        for (int at = (block + 1) * 64; at < KeyBlobLayout.DataLength; at += 64)
        {
            rest |= Vector512.Create(data[at..]);
        }

        return stray == 0 && rest == Vector512<byte>.Zero;
    }

    // Index of the lowest set bit of the 128-bit mask (high:low), or 128 when none is set.
    private static int FirstSet(ulong low, ulong high) =>
        low != 0 ? BitOperations.TrailingZeroCount(low) : 64 + BitOperations.TrailingZeroCount(high);

    // Bit i set when bytes[i] == value, for 64 bytes.
    private static ulong Mask(ReadOnlySpan<byte> bytes, byte value)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return Vector512.Equals(Vector512.Create(bytes), Vector512.Create(value)).ExtractMostSignificantBits();
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<byte> target = Vector256.Create(value);
            return Vector256.Equals(Vector256.Create(bytes), target).ExtractMostSignificantBits()
                | ((ulong)Vector256.Equals(Vector256.Create(bytes[32..]), target).ExtractMostSignificantBits() << 32);
        }

        Vector128<byte> value128 = Vector128.Create(value);
        return Vector128.Equals(Vector128.Create(bytes), value128).ExtractMostSignificantBits()
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[16..]), value128).ExtractMostSignificantBits() << 16)
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[32..]), value128).ExtractMostSignificantBits() << 32)
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[48..]), value128).ExtractMostSignificantBits() << 48);
    }
}
