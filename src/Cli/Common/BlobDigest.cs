using System.IO.Hashing;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The two digests of a blob (spec/FORMAT.md 13), a tool concern the codec does not carry. The default,
/// <c>xxh3-nokeys:</c> and 16 lowercase hex digits, is XXH3-64 (seed 0) of the blob's bytes with the 256 bytes of
/// every entry's <c>data</c> field taken as zero: it identifies a blob (count, key sizes, descriptions, byte order)
/// without being a fast, unkeyed hash of its keys. The full digest, <c>xxh3:</c> over every byte, is what the vector
/// manifest records and what the tool prints only with <c>--show-key-material</c>. tools/RegenerateVectors links
/// this file.
/// </summary>
internal static class BlobDigest
{
    /// <summary>What the default digest starts with.</summary>
    public const string Prefix = "xxh3-nokeys:";

    /// <summary>What the full digest starts with.</summary>
    public const string FullPrefix = "xxh3:";

    /// <summary><c>xxh3:</c> and 16 lowercase hex digits of XXH3-64 (seed 0) over every byte, e.g. <c>xxh3:2d06800538d394c2</c>.</summary>
    public static string FormatFull(ReadOnlySpan<byte> bytes) => $"{FullPrefix}{XxHash3.HashToUInt64(bytes):x16}";

    /// <summary>
    /// The digest of <paramref name="blob"/>, the bytes of the header and of whole entries (a blob's
    /// <c>size</c> bytes, 4 + 388 * count). Bytes after the last whole entry are hashed as they are.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blob"/> is longer than the largest blob.</exception>
    public static string FormatWithoutKeys(ReadOnlySpan<byte> blob)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blob.Length, KeyBlobLayout.MaxBlobSize, nameof(blob));
        ReadOnlySpan<byte> zeros = stackalloc byte[KeyBlobLayout.DataLength];
        var hash = new XxHash3();
        if (blob.Length < KeyBlobLayout.HeaderSize)
        {
            hash.Append(blob);
        }
        else
        {
            hash.Append(blob[..KeyBlobLayout.HeaderSize]);
            int entries = (blob.Length - KeyBlobLayout.HeaderSize) / KeyBlobLayout.EntrySize;
            for (int i = 0; i < entries; i++)
            {
                // key_size and key_desc as they are; data never reaches the hash.
                hash.Append(blob.Slice(KeyBlobLayout.GetEntryOffset(i), KeyBlobLayout.DataOffset));
                hash.Append(zeros);
            }

            hash.Append(blob[(KeyBlobLayout.HeaderSize + (entries * KeyBlobLayout.EntrySize))..]);
        }

        return $"{Prefix}{hash.GetCurrentHashAsUInt64():x16}";
    }
}
