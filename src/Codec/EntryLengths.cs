using System.Runtime.CompilerServices;

namespace CrashDmCrypt.Codec;

/// <summary>
/// What validation measured of each entry, kept with the <see cref="KeyBlob"/> view: the key size and the description
/// length (without its NUL), packed into one word per entry. The view hands out entries from these values and never
/// reads <c>key_size</c> or searches for the NUL again, so memory that changes after validation (<c>/dev/mem</c>,
/// shared memory) cannot make enumeration read past an entry or throw.
/// </summary>
[InlineArray(KeyBlobLayout.MaxKeys)]
internal struct EntryLengths
{
    private uint _first;

    /// <summary>
    /// The strict key_size rule, the one reference every reader of entries asks (the codec's readers and the dump scanner's
    /// candidate tests): 1..256 (<c>KEY_SIZE_MAX</c>); 0 is an empty user key. Compared unsigned, so 0 wraps above 256.
    /// </summary>
    public static bool IsStrictKeySize(uint rawKeySize) => rawKeySize - 1 < KeyBlobLayout.MaxKeySize;

    public static uint Pack(int keySize, int descriptionLength) => (uint)keySize | ((uint)descriptionLength << 16);

    public static int KeySize(uint packed) => (int)(packed & 0xFFFF);

    // The high half (a division, which compiles to the same shift: `>>` would have `>>>` as a mutant that cannot differ on a uint).
    public static int DescriptionLength(uint packed) => (int)(packed / 0x1_0000);
}
