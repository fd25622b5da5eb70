namespace CrashDmCrypt.Codec;

/// <summary>
/// What the kdump kernel does with one entry of the blob (<c>add_key_to_keyring</c>, kernel/crash_dump_dm_crypt.c:64-85):
/// data only, offsets into the input the caller gave <see cref="KeyBlobKernelRestore.Evaluate"/>. The kernel checks
/// neither <c>key_size</c> against 256 nor the description's NUL, so the description and the key may run on past the
/// entry, and past the blob into the kdump kernel's own heap (bytes nobody outside that kernel knows).
/// </summary>
public readonly record struct KernelRestoreEntry
{
    /// <summary>Position of the entry in the blob, from 0: the order in which the kernel handles it (kernel/crash_dump_dm_crypt.c:137-141).</summary>
    public int Index { get; internal init; }

    /// <summary>What <c>key_create_or_update</c> does with the entry.</summary>
    public KernelKeyAction Action { get; internal init; }

    /// <summary>Why it is refused, when <see cref="Action"/> is <see cref="KernelKeyAction.Refused"/>.</summary>
    public KernelKeyRefusal Refusal { get; internal init; }

    /// <summary>The positive errno <c>key_create_or_update</c> returns (22, EINVAL, for every refusal); 0 otherwise.</summary>
    public int Errno { get; internal init; }

    /// <summary><c>key_size</c> as read (the payload length the kernel passes); 0 when it lies past the input.</summary>
    public uint KeySize { get; internal init; }

    /// <summary>Offset of <c>key_desc</c> in the input: where the kernel's C string starts.</summary>
    public int DescriptionOffset { get; internal init; }

    /// <summary>
    /// Bytes of the description the input holds, without the NUL (its <c>strlen</c> when <see cref="DescriptionComplete"/>).
    /// Only meaningful when the entry is not refused for its key size.
    /// </summary>
    public int DescriptionLength { get; internal init; }

    /// <summary>Whether the description's NUL lies in the input (and in the blob): the description is exactly <see cref="GetDescription"/>.</summary>
    public bool DescriptionComplete { get; internal init; }

    /// <summary>
    /// Whether the description has no NUL before the blob ends, so <c>strlen</c> (security/keys/key.c:865) runs on into
    /// the kdump kernel's heap past its copy of the blob: the description's tail is unknown.
    /// </summary>
    public bool DescriptionRunsPastBlob { get; internal init; }

    /// <summary>
    /// Whether the description runs past its 128-byte field, into <c>data</c> (and maybe later entries). Such bytes are
    /// key material: never print or log them unless asked to.
    /// </summary>
    public bool DescriptionRunsIntoData => DescriptionLength > KeyBlobLayout.DescriptionFieldLength;

    /// <summary>Offset of <c>data</c> in the input: where the key bytes the kernel copies start.</summary>
    public int KeyOffset { get; internal init; }

    /// <summary>Key bytes past the entry's 256-byte <c>data</c> field (<c>key_size</c> − 256; 0 unless the key is read).</summary>
    public int KeyBytesPastEntry { get; internal init; }

    /// <summary>
    /// Key bytes past the blob (4 + 388 × count): the kernel reads them from its heap beyond its <c>kzalloc</c> copy
    /// (kernel/crash_dump_dm_crypt.c:129, security/keys/user_defined.c:75). Nobody outside that kernel knows them.
    /// </summary>
    public int KeyBytesPastBlob { get; internal init; }

    /// <summary>Key bytes inside the blob but past the end of the input the caller gave (old memory not given).</summary>
    public int KeyBytesPastInput { get; internal init; }

    /// <summary>Whether every key byte the kernel reads is in the input (<see cref="GetKnownKey"/> is then the whole key).</summary>
    public bool KeyKnown => KeyBytesPastBlob == 0 && KeyBytesPastInput == 0;

    /// <summary>
    /// For <see cref="KernelKeyAction.Updated"/>: the index of the entry that created the key this entry updates; else -1.
    /// </summary>
    public int UpdatesEntry { get; internal init; }

    /// <summary>The index of the later entry that replaces this entry's payload (create-or-update), or -1: the key keeps this entry's bytes.</summary>
    public int SupersededBy { get; internal init; }

    /// <summary>Whether the kernel adds or updates a key with this entry.</summary>
    public bool Added => Action is KernelKeyAction.Created or KernelKeyAction.Updated;

    /// <summary>The description bytes the input holds (all of it when <see cref="DescriptionComplete"/>).</summary>
    /// <param name="oldMemory">The same input given to <see cref="KeyBlobKernelRestore.Evaluate"/>.</param>
    public ReadOnlySpan<byte> GetDescription(ReadOnlySpan<byte> oldMemory) => oldMemory.Slice(DescriptionOffset, DescriptionLength);

    /// <summary>The key bytes the input holds: the first <c>key_size</c> − past-blob − past-input bytes of the key.</summary>
    /// <param name="oldMemory">The same input given to <see cref="KeyBlobKernelRestore.Evaluate"/>.</param>
    public ReadOnlySpan<byte> GetKnownKey(ReadOnlySpan<byte> oldMemory) =>
        Added ? oldMemory.Slice(KeyOffset, (int)KeySize - KeyBytesPastBlob - KeyBytesPastInput) : default;
}
