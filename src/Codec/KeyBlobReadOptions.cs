namespace CrashDmCrypt.Codec;

/// <summary>How <see cref="KeyBlobReader"/> reads a blob. The default value is strict, little-endian, with trailing bytes allowed.</summary>
/// <param name="ByteOrder">Byte order of <c>total_keys</c> and <c>key_size</c>.</param>
/// <param name="Mode">Rule set; <see cref="KeyBlobMode.Strict"/> unless a relaxation is named.</param>
/// <param name="RequireExactLength">
/// When <see langword="true"/>, bytes after the blob are an error (<see cref="KeyBlobError.TrailingBytes"/>).
/// Off by default because the blob is normally read out of a larger reserved region.
/// </param>
public readonly record struct KeyBlobReadOptions(
    KeyBlobByteOrder ByteOrder = KeyBlobByteOrder.LittleEndian,
    KeyBlobMode Mode = KeyBlobMode.Strict,
    bool RequireExactLength = false)
{
    /// <summary>Strict, little-endian, trailing bytes allowed.</summary>
    public static KeyBlobReadOptions Default => default;
}
