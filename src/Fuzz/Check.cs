using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrashDmCrypt.Fuzz;

/// <summary>Invariant assertions for fuzz targets: each failure throws <see cref="InvariantViolationException"/>.</summary>
internal static class Check
{
    public static void That([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
        where T : IEquatable<T>
    {
        if (!expected.Equals(actual))
        {
            throw new InvariantViolationException($"{what}: expected {expected}, got {actual}");
        }
    }

    /// <summary>
    /// Requires <paramref name="inner"/> to lie inside <paramref name="outer"/> (address arithmetic, so an
    /// empty span counts too) and returns its offset from the start of <paramref name="outer"/>.
    /// </summary>
    public static int Inside(ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner, string what)
    {
        nint offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(outer), ref MemoryMarshal.GetReference(inner));
        if (offset < 0 || offset > outer.Length || inner.Length > outer.Length - offset)
        {
            throw new InvariantViolationException($"{what}: span of {inner.Length} bytes at offset {offset} lies outside the {outer.Length}-byte input");
        }

        return (int)offset;
    }

    /// <summary>Requires every byte of <paramref name="bytes"/> to be <paramref name="value"/>.</summary>
    public static void AllEqual(ReadOnlySpan<byte> bytes, byte value, string what)
    {
        int at = bytes.IndexOfAnyExcept(value);
        if (at >= 0)
        {
            throw new InvariantViolationException($"{what}: byte {at} of {bytes.Length} is not 0x{value:x2}");
        }
    }
}
