using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation;

/// <summary>What the model's <c>kexec_file_load(KEXEC_FILE_ON_CRASH)</c> did: the errno, why, and the image it loaded.</summary>
public sealed class KexecLoadResult
{
    /// <summary>The errno <c>kexec_file_load</c> returns; <see cref="LinuxErrno.None"/> on success.</summary>
    public LinuxErrno Error { get; init; }

    /// <summary>Why it failed; <see cref="KexecLoadFailure.None"/> on success.</summary>
    public KexecLoadFailure Failure { get; init; }

    /// <summary>The configfs key item that made it fail, or null.</summary>
    public string? FailedItem { get; init; }

    /// <summary>The description the failing lookup used (after <c>strscpy</c> truncation to 127 bytes), or null.</summary>
    public string? LookedUpDescription { get; init; }

    /// <summary>The loaded image on success, else null.</summary>
    public CrashImage? Image { get; init; }

    /// <summary>What the kernel accepted silently.</summary>
    public KexecLoadWarnings Warnings { get; init; }

    /// <summary>Whether the crash kernel is loaded.</summary>
    public bool Succeeded => Error == LinuxErrno.None;
}
