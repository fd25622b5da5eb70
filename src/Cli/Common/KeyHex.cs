using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Hex text of key material, without leaving the key in an unpinned array or a string that this
/// code makes: decoding goes straight into a <see cref="SecretBuffer"/>, encoding into a stack buffer
/// that is cleared after use.
/// </summary>
internal static class KeyHex
{
    // Two hex digits per byte of the largest key.
    private const int MaxChars = 2 * KeyBlobLayout.MaxKeySize;

    /// <summary>Decodes hex digits (either case, no separators) into a new pinned buffer.</summary>
    /// <returns><see langword="false"/> when the text is not an even number of hex digits.</returns>
    public static bool TryDecode(ReadOnlySpan<char> hex, [NotNullWhen(true)] out SecretBuffer? key)
    {
        key = null;
        if (hex.Length % 2 != 0)
        {
            return false;
        }

        var buffer = new SecretBuffer(hex.Length / 2);
        if (Convert.FromHexString(hex, buffer.Span, out _, out int written) != OperationStatus.Done || written != buffer.Length)
        {
            buffer.Dispose();
            return false;
        }

        key = buffer;
        return true;
    }

    /// <summary>Writes <paramref name="key"/> (at most 256 bytes) as lowercase hex.</summary>
    public static void Write(TextWriter output, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<char> chars = stackalloc char[MaxChars];
        try
        {
            output.Write(Encode(key, chars));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars));
        }
    }

    /// <summary>Writes <paramref name="key"/> (at most 256 bytes) as a lowercase hex JSON string property.</summary>
    public static void Write(Utf8JsonWriter json, string propertyName, ReadOnlySpan<byte> key)
    {
        ArgumentNullException.ThrowIfNull(json);
        Span<char> chars = stackalloc char[MaxChars];
        try
        {
            json.WriteString(propertyName, Encode(key, chars));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars));
        }
    }

    private static ReadOnlySpan<char> Encode(ReadOnlySpan<byte> key, Span<char> chars)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Length, KeyBlobLayout.MaxKeySize, nameof(key));
        Convert.TryToHexStringLower(key, chars, out int written);
        return chars[..written];
    }
}
