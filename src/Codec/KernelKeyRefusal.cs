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
}
