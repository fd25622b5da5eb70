namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// The file-system operations <see cref="ConfigfsClient"/> needs on <c>crash_dm_crypt_keys</c>, each
/// reporting an errno instead of throwing. <see cref="DirectoryConfigfsBackend"/> works on a real
/// directory (configfs itself, or a temporary imitation); the kernel model provides one over its state.
/// </summary>
internal interface IConfigfsBackend
{
    /// <summary>A name for messages, e.g. the root directory.</summary>
    string DisplayName { get; }

    /// <summary><c>mkdir ROOT/NAME</c>: creates a key item.</summary>
    LinuxErrno MakeItem(string name);

    /// <summary><c>rmdir ROOT/NAME</c>: removes a key item.</summary>
    LinuxErrno RemoveItem(string name);

    /// <summary>Appends the names of the key items (directories under the root) to <paramref name="names"/>.</summary>
    LinuxErrno ListItems(ICollection<string> names);

    /// <summary>
    /// Writes <paramref name="value"/> to an attribute with a single <c>write()</c>: configfs passes each
    /// write call to the attribute's store function on its own, so a value split across calls would be
    /// stored piece by piece.
    /// </summary>
    /// <param name="item">The key item, or <see langword="null"/> for an attribute of the root (<c>count</c>, <c>reuse</c>, <c>restore</c>).</param>
    /// <param name="attribute">The attribute's file name.</param>
    /// <param name="value">The whole value, newline included.</param>
    LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value);

    /// <summary>Reads an attribute's whole text (what its show function printed).</summary>
    /// <param name="item">The key item, or <see langword="null"/> for an attribute of the root.</param>
    /// <param name="attribute">The attribute's file name.</param>
    /// <param name="value">The text read; empty on failure.</param>
    LinuxErrno ReadAttribute(string? item, string attribute, out string value);
}
