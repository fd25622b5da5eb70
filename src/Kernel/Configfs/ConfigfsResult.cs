namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>What a <see cref="ConfigfsClient"/> operation did.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Errno">The errno the file system returned, or <see cref="LinuxErrno.None"/> (also for refusals made before any call).</param>
/// <param name="Warnings">Problems the kernel would pass silently.</param>
/// <param name="Message">One line for a person, naming the key; empty on plain success.</param>
public readonly record struct ConfigfsResult(ConfigfsStatus Status, LinuxErrno Errno, ConfigfsWarnings Warnings, string Message)
{
    /// <summary>Whether <see cref="Status"/> is <see cref="ConfigfsStatus.Ok"/>.</summary>
    public bool Succeeded => Status == ConfigfsStatus.Ok;

    internal static ConfigfsResult Ok(ConfigfsWarnings warnings = ConfigfsWarnings.None) =>
        new(ConfigfsStatus.Ok, LinuxErrno.None, warnings, string.Empty);

    internal static ConfigfsResult Refuse(ConfigfsStatus status, string message, ConfigfsWarnings warnings = ConfigfsWarnings.None) =>
        new(status, LinuxErrno.None, warnings, message);
}

/// <summary>What a <see cref="ConfigfsClient"/> read returned.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Result">Status, errno, warnings and message.</param>
/// <param name="Value">The value read; <c>default</c> unless <see cref="ConfigfsResult.Succeeded"/>.</param>
public readonly record struct ConfigfsResult<T>(ConfigfsResult Result, T Value)
{
    /// <summary>Whether the read succeeded.</summary>
    public bool Succeeded => Result.Succeeded;

    /// <summary>How it ended.</summary>
    public ConfigfsStatus Status => Result.Status;
}

/// <summary>One key item: its directory name and the description the kernel holds.</summary>
/// <param name="Name">The directory name.</param>
/// <param name="Description">
/// The description, or <see langword="null"/> when none was written (the kernel prints <c>(null)</c>; a
/// temporary imitation has no file). A load with such an item fails with EINVAL.
/// </param>
public readonly record struct ConfigfsKeyItem(string Name, string? Description);
