using System.IO.Hashing;

namespace CrashDmCrypt.Codec;

/// <summary>The digest the tools print and the vector manifest records: XXH3-64 of the blob's bytes.</summary>
public static class KeyBlobDigest
{
    /// <summary>XXH3-64 (seed 0) of <paramref name="bytes"/>.</summary>
    public static ulong Compute(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes);

    /// <summary><c>xxh3:</c> and 16 lowercase hex digits, e.g. <c>xxh3:2d06800538d394c2</c>.</summary>
    public static string Format(ReadOnlySpan<byte> bytes) => $"xxh3:{Compute(bytes):x16}";
}
