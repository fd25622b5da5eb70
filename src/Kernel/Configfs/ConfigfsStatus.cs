namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>How a <see cref="ConfigfsClient"/> operation ended. Refusals are statuses, never exceptions.</summary>
public enum ConfigfsStatus
{
    /// <summary>Done.</summary>
    Ok = 0,

    /// <summary>Refused before touching the file system: the item name cannot be a configfs directory name.</summary>
    InvalidName = 1,

    /// <summary>Refused before touching the file system: the description is empty (the kernel returns EINVAL).</summary>
    DescriptionEmpty = 2,

    /// <summary>Refused before touching the file system: the description is longer than 128 bytes (EINVAL).</summary>
    DescriptionTooLong = 3,

    /// <summary>Refused before touching the file system: the description holds a newline, where the kernel would cut it.</summary>
    DescriptionContainsNewline = 4,

    /// <summary>Refused before touching the file system: the description holds a NUL, where the kernel's C string would end.</summary>
    DescriptionContainsNul = 5,

    /// <summary>Refused before touching the file system: 129 items exist, and <c>mkdir</c> of another returns EINVAL.</summary>
    TooManyItems = 6,

    /// <summary>The item (or a file of that name) already exists (EEXIST).</summary>
    ItemExists = 7,

    /// <summary>The item or attribute does not exist (ENOENT).</summary>
    NotFound = 8,

    /// <summary>The root directory does not exist: configfs is not mounted or the kernel lacks <c>CONFIG_CRASH_DM_CRYPT</c>.</summary>
    RootNotFound = 9,

    /// <summary>The kernel refused the value or the operation (EINVAL).</summary>
    KernelRefused = 10,

    /// <summary>The kernel could not allocate memory (ENOMEM).</summary>
    OutOfMemory = 11,

    /// <summary>Permission denied (EACCES or EPERM); configfs needs root.</summary>
    PermissionDenied = 12,

    /// <summary>Another errno; see <see cref="ConfigfsResult.Errno"/>.</summary>
    IoError = 13,

    /// <summary>An attribute's text is not what the kernel prints.</summary>
    Unreadable = 14,
}
