namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// How a <see cref="ConfigfsClient"/> operation ended. Refusals are statuses, never exceptions. Each value other than
/// <see cref="Ok"/> is the number of its stable code (<c>CDC301</c>..; see <c>spec/ERRORS.md</c>); new members only
/// ever get new numbers.
/// </summary>
public enum ConfigfsStatus
{
    /// <summary>Done.</summary>
    Ok = 0,

    /// <summary>Refused before touching the file system: the item name cannot be a configfs directory name.</summary>
    InvalidName = 301,

    /// <summary>
    /// Refused before touching the file system: the description breaks a rule the kernel enforces (empty, longer than
    /// 128 bytes, a newline or a NUL). <see cref="ConfigfsResult.DescriptionProblem"/> names the rule, with the codec's code.
    /// </summary>
    DescriptionRefused = 302,

    /// <summary>Refused before touching the file system: 129 items exist, and <c>mkdir</c> of another returns EINVAL.</summary>
    TooManyItems = 303,

    /// <summary>The item (or a file of that name) already exists (EEXIST).</summary>
    ItemExists = 304,

    /// <summary>The item or attribute does not exist (ENOENT).</summary>
    NotFound = 305,

    /// <summary>The root directory does not exist: configfs is not mounted or the kernel lacks <c>CONFIG_CRASH_DM_CRYPT</c>.</summary>
    RootNotFound = 306,

    /// <summary>The kernel refused the value or the operation (EINVAL).</summary>
    KernelRefused = 307,

    /// <summary>The kernel could not allocate memory (ENOMEM).</summary>
    OutOfMemory = 308,

    /// <summary>Permission denied (EACCES or EPERM); configfs needs root.</summary>
    PermissionDenied = 309,

    /// <summary>Another errno; see <see cref="ConfigfsResult.Errno"/>.</summary>
    IoError = 310,

    /// <summary>An attribute's text is not what the kernel prints.</summary>
    Unreadable = 311,
}
