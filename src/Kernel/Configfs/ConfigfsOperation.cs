namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>The step of a <see cref="ConfigfsClient"/> operation that a <see cref="ConfigfsResult"/> reports on.</summary>
public enum ConfigfsOperation
{
    /// <summary>No step (a plain success).</summary>
    None = 0,

    /// <summary>Checking the item name, before any call.</summary>
    CheckName = 1,

    /// <summary>Checking the description, before any call.</summary>
    CheckDescription = 2,

    /// <summary>Listing the key items (reading the root directory).</summary>
    ListItems = 3,

    /// <summary>Reading <c>count</c>.</summary>
    ReadCount = 4,

    /// <summary><c>mkdir</c> of the item.</summary>
    MakeItem = 5,

    /// <summary>Writing the item's <c>description</c>.</summary>
    WriteDescription = 6,

    /// <summary><c>rmdir</c> of the item.</summary>
    RemoveItem = 7,

    /// <summary>Reading an item's <c>description</c>.</summary>
    ReadDescription = 8,

    /// <summary>Reading <c>reuse</c>.</summary>
    ReadReuse = 9,

    /// <summary>Writing <c>reuse</c>.</summary>
    WriteReuse = 10,

    /// <summary>Reading <c>restore</c>.</summary>
    ReadRestore = 11,

    /// <summary>Writing <c>restore</c>.</summary>
    WriteRestore = 12,
}
