namespace CrashDmCrypt.Codec;

/// <summary>Why the kdump kernel's <c>key_create_or_update</c> refuses an entry. Every reason is <c>-EINVAL</c>.</summary>
public enum KernelKeyRefusal
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary><c>key_size</c> = 0: <c>user_preparse</c> refuses an empty payload (security/keys/user_defined.c:64).</summary>
    KeySizeZero = 1,

    /// <summary><c>key_size</c> above 32767: <c>user_preparse</c> refuses it (security/keys/user_defined.c:64); nothing is read.</summary>
    KeySizeTooLarge = 2,

    /// <summary>A NUL at <c>key_desc[0]</c>: <c>key_alloc</c> refuses an empty description (security/keys/key.c:235-237).</summary>
    DescriptionEmpty = 3,
}
