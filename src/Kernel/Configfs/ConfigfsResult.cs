using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>What a <see cref="ConfigfsClient"/> operation did: data only; the tool that calls it writes the words.</summary>
public readonly record struct ConfigfsResult
{
    /// <summary>How it ended.</summary>
    public ConfigfsStatus Status { get; internal init; }

    /// <summary>The step that failed (or, on success, <see cref="ConfigfsOperation.None"/>).</summary>
    public ConfigfsOperation Operation { get; internal init; }

    /// <summary>The key item concerned, when the operation is about one.</summary>
    public string? Item { get; internal init; }

    /// <summary>The errno the file system returned, or <see cref="LinuxErrno.None"/> (also for refusals made before any call).</summary>
    public LinuxErrno Errno { get; internal init; }

    /// <summary>Problems the kernel would pass silently.</summary>
    public ConfigfsWarnings Warnings { get; internal init; }

    /// <summary>For <see cref="ConfigfsStatus.DescriptionRefused"/>: the codec's rule that the description breaks.</summary>
    public KeyBlobProblem DescriptionProblem { get; internal init; }

    /// <summary>
    /// After a failed description write: the errno of removing the new item again (<see cref="LinuxErrno.None"/> when
    /// the item was removed; see also <see cref="ConfigfsWarnings.RollbackFailed"/>).
    /// </summary>
    public LinuxErrno RollbackErrno { get; internal init; }

    /// <summary>Whether <see cref="Status"/> is <see cref="ConfigfsStatus.Ok"/>.</summary>
    public bool Succeeded => Status == ConfigfsStatus.Ok;

    /// <summary>The stable code: the codec's (e.g. <c>CDC020</c>) for a refused description, else <c>CDC3nn</c> (<c>CDC000</c> on success).</summary>
    public string Code => Status == ConfigfsStatus.DescriptionRefused ? DescriptionProblem.Code : ProblemCode.Format((int)Status);
}
