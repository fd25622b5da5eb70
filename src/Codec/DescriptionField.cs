using System.Numerics;
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

    /// <summary>Index of the first NUL in a 128-byte field, or -1: <c>IndexOf(0)</c> without the general search's setup.</summary>
    public static int IndexOfTerminator(ReadOnlySpan<byte> field)
    {
        int nul = FirstSet(Mask(field[..64], 0), Mask(field.Slice(64, 64), 0));
        return nul == KeyBlobLayout.DescriptionFieldLength ? -1 : nul;
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
