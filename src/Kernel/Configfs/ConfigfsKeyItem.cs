namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>One key item: its directory name and the description the kernel holds.</summary>
public readonly record struct ConfigfsKeyItem
{
    /// <summary>An item.</summary>
    /// <param name="name">The directory name.</param>
    /// <param name="description">The description, or <see langword="null"/> when none was written.</param>
    public ConfigfsKeyItem(string name, string? description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The directory name.</summary>
    public string Name { get; init; }

    /// <summary>
    /// The description, or <see langword="null"/> when none was written (the kernel prints <c>(null)</c>; a
    /// temporary imitation has no file). A load with such an item fails with EINVAL.
    /// </summary>
    public string? Description { get; init; }
}
