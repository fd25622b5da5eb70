using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrashDmCrypt.Codec;

/// <summary>
/// One pass over a 128-byte <c>key_desc</c> field that answers every strict question at once
/// (where the NUL is, whether a newline or the logon colon comes before it, whether the padding
/// is zero) from three bit masks, instead of four separate searches.
/// </summary>
/// <remarks>
/// Each vector operation has one method per width (<c>Mask512</c>, <c>Mask256</c>, <c>Mask128</c>, ...) and a
/// dispatch on <c>IsHardwareAccelerated</c> that picks the one this machine runs fast; the JIT folds the dispatch
/// away. The paths are internal so that tests run every one of them on any machine (Vector512 and Vector256
/// operations work in software where not accelerated) and compare them with a scalar model.
/// </remarks>
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

        // Not terminated. (An empty description, NUL at 0, has no ':' before its NUL and fails below.)
        if (nul == KeyBlobLayout.DescriptionFieldLength)
        {
            return false;
        }

        // config_key_description_store cuts at the first newline: the first NUL-or-newline must be the NUL.
        // logon_vet_description wants a ':' after byte 0: the first NUL-or-colon must not be the NUL, nor byte 0.
        if (FirstSet(zeroLow | Mask(low, (byte)'\n'), zeroHigh | Mask(high, (byte)'\n')) != nul
            || FirstSet(zeroLow | Mask(low, (byte)':'), zeroHigh | Mask(high, (byte)':')) == nul
            || field[0] == (byte)':')
        {
            return false;
        }

        // Every byte after the NUL is zero (build_keys_header zero-allocates the blob): the bytes before the
        // first NUL are all non-zero, so the field has exactly `nul` non-zero bytes.
        length = nul;
        return BitOperations.PopCount(~zeroLow) + BitOperations.PopCount(~zeroHigh) == nul;
    }

    /// <summary>
    /// Whether the first four bytes of a description field can begin a field that <see cref="IsValidStrict"/> accepts, or
    /// a freed copy of one (whose breaks are padding only): the scalar reference of every prefilter that tests a
    /// description's start, and a necessary condition only. <c>logon_vet_description</c> wants a ':' after byte 0 before
    /// the NUL, so the NUL is not byte 0 or 1, and a NUL at byte 2 or 3 needs a ':' before it.
    /// </summary>
    /// <param name="start">At least four bytes: the field's first four.</param>
    public static bool MayStartStrict(ReadOnlySpan<byte> start) =>
        start[0] != 0 && start[1] != 0 && (start[2] != 0 || start[1] == (byte)':') && (start[3] != 0 || start[1] == (byte)':' || start[2] == (byte)':');

    /// <summary>
    /// Whether a description given to the writer passes every writer rule (rows 3a-3d of spec/FORMAT.md section 7:
    /// 1..127 bytes, no NUL, no newline, a ':' after byte 0). Only says yes or no; on <see langword="false"/> the
    /// writer runs the rule-by-rule checks to name the failure.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValidWriterDescription(ReadOnlySpan<byte> description)
    {
        if ((uint)(description.Length - 1) >= KeyBlobLayout.MaxDescriptionLength)
        {
            return false;
        }

        // Vector256.Create reads 32 bytes: a shorter description takes the general searches.
        if (description.Length <= 31)
        {
            return IsValidWriterDescriptionScalar(description);
        }

        // Stryker disable once all : hardware path selection only; both paths give the same answer (DescriptionFieldPathTests)
        return Vector256.IsHardwareAccelerated ? IsValidWriterDescription256(description) : IsValidWriterDescriptionScalar(description);
    }

    /// <summary>The writer's description rules by the general searches, as the rules run them.</summary>
    /// <param name="description">1..127 bytes.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsValidWriterDescriptionScalar(ReadOnlySpan<byte> description) =>
        description.IndexOfAny((byte)0, (byte)'\n') < 0 && description.IndexOf((byte)':') > 0;

    /// <summary>
    /// The writer's description rules in one pass of 32-byte blocks: the blocks at 0, 32, 64 that end before the
    /// last byte, then the last 32 bytes, which may overlap the block before (whether a byte is anywhere in the
    /// description does not depend on how the blocks overlap).
    /// </summary>
    /// <param name="description">32..127 bytes.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsValidWriterDescription256(ReadOnlySpan<byte> description)
    {
        Vector256<byte> newline = Vector256.Create((byte)'\n');
        Vector256<byte> colon = Vector256.Create((byte)':');
        Vector256<byte> block = Vector256.Create(description[^32..]);
        Vector256<byte> bad = Vector256.Equals(block, Vector256<byte>.Zero) | Vector256.Equals(block, newline);
        Vector256<byte> colons = Vector256.Equals(block, colon);
        int end = (description.Length - 1) & -32;
        for (int i = 0; i < end; i += 32)
        {
            block = Vector256.Create(description[i..]);
            bad |= Vector256.Equals(block, Vector256<byte>.Zero) | Vector256.Equals(block, newline);
            colons |= Vector256.Equals(block, colon);
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

    /// <summary>Whether every byte of the 256-byte <c>data</c> field after the first <paramref name="keySize"/> bytes is zero.</summary>
    /// <param name="data">Exactly <see cref="KeyBlobLayout.DataLength"/> bytes.</param>
    /// <param name="keySize">0..256.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPaddingZero(ReadOnlySpan<byte> data, int keySize)
    {
        // Stryker disable once all : hardware path selection only; both paths give the same answer (DescriptionFieldPathTests)
        return Vector512.IsHardwareAccelerated ? IsPaddingZero512(data, keySize) : IsPaddingZeroScalar(data, keySize);
    }

    /// <inheritdoc cref="IsPaddingZero"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsPaddingZeroScalar(ReadOnlySpan<byte> data, int keySize) => !data[keySize..].ContainsAnyExcept((byte)0);

    /// <summary>
    /// <see cref="IsPaddingZero"/> without a call: the 64-byte block that holds byte <paramref name="keySize"/> is
    /// masked, the blocks after it are ORed.
    /// </summary>
    /// <inheritdoc cref="IsPaddingZero"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsPaddingZero512(ReadOnlySpan<byte> data, int keySize)
    {
        int block = keySize / 64;
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstSet(ulong low, ulong high) =>
        low != 0 ? BitOperations.TrailingZeroCount(low) : 64 + BitOperations.TrailingZeroCount(high);

    // Bit i set when bytes[i] == value, for 64 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(ReadOnlySpan<byte> bytes, byte value)
    {
        // Stryker disable once all : hardware path selection only; every path computes the same mask (DescriptionFieldPathTests)
        return Vector512.IsHardwareAccelerated ? Mask512(bytes, value) : Vector256.IsHardwareAccelerated ? Mask256(bytes, value) : Mask128(bytes, value);
    }

    /// <summary>Bit i set when <c>bytes[i] == value</c>, for the first 64 bytes: one 64-byte compare.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask512(ReadOnlySpan<byte> bytes, byte value) =>
        Vector512.Equals(Vector512.Create(bytes), Vector512.Create(value)).ExtractMostSignificantBits();

    /// <summary>As <see cref="Mask512"/>, by two 32-byte compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask256(ReadOnlySpan<byte> bytes, byte value)
    {
        Vector256<byte> target = Vector256.Create(value);
        return Vector256.Equals(Vector256.Create(bytes), target).ExtractMostSignificantBits()
            | ((ulong)Vector256.Equals(Vector256.Create(bytes[32..]), target).ExtractMostSignificantBits() << 32);
    }

    /// <summary>As <see cref="Mask512"/>, by four 16-byte compares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mask128(ReadOnlySpan<byte> bytes, byte value)
    {
        Vector128<byte> target = Vector128.Create(value);
        return Vector128.Equals(Vector128.Create(bytes), target).ExtractMostSignificantBits()
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[16..]), target).ExtractMostSignificantBits() << 16)
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[32..]), target).ExtractMostSignificantBits() << 32)
            | ((ulong)Vector128.Equals(Vector128.Create(bytes[48..]), target).ExtractMostSignificantBits() << 48);
    }
}
