using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// <see cref="IConfigfsBackend"/> over a directory: the real configfs mount, or a temporary directory
/// that imitates it (an item is a directory holding a <c>description</c> file). Every .NET exception
/// is turned into its errno.
/// </summary>
internal sealed class DirectoryConfigfsBackend : IConfigfsBackend
{
    /// <summary>Uses <paramref name="root"/>, normally <see cref="ConfigfsAttributes.DefaultRoot"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty.</exception>
    public DirectoryConfigfsBackend(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    /// <summary>Most bytes an attribute read returns as text: one page, what a configfs show function can print.</summary>
    public const int MaxAttributeBytes = 4096;

    /// <summary>The <c>crash_dm_crypt_keys</c> directory.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string DisplayName => Root;

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>mkdir(2)</c>, as on configfs: it fails with EEXIST when anything of that name exists and with ENOENT when
    /// the root is missing, with no window between a check and the creation for another user of the root to use.
    /// </remarks>
    public LinuxErrno MakeItem(string name) => NativeFiles.MakeDirectory(Path.Combine(Root, name));

    /// <inheritdoc/>
    public LinuxErrno RemoveItem(string name)
    {
        string path = Path.Combine(Root, name);
        return Run(() =>
        {
            if (!Directory.Exists(path))
            {
                return File.Exists(path) ? LinuxErrno.ENOTDIR : LinuxErrno.ENOENT;
            }

            LinuxErrno first = Run(() => RemoveEmptyDirectory(path));
            if (first is not (LinuxErrno.ENOTEMPTY or LinuxErrno.EEXIST))
            {
                return first;
            }

            // On configfs rmdir succeeds although the item shows attribute files, and those files cannot
            // be unlinked. A temporary imitation holds real files, so delete the known attribute (file, or
            // the empty directory a test put in its place), never anything else, and try again.
            if (!HoldsOnlyAttributes(path))
            {
                return first;
            }

            string attribute = Path.Combine(path, ConfigfsAttributes.Description);
            LinuxErrno cleared = Run(() =>
            {
                if (Directory.Exists(attribute))
                {
                    Directory.Delete(attribute, recursive: false);
                }
                else
                {
                    File.Delete(attribute);
                }

                return LinuxErrno.None;
            });
            return cleared == LinuxErrno.None ? Run(() => RemoveEmptyDirectory(path)) : first;
        });
    }

    /// <inheritdoc/>
    public LinuxErrno ListItems(ICollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return Run(() =>
        {
            foreach (string directory in Directory.EnumerateDirectories(Root))
            {
                names.Add(Path.GetFileName(directory));
            }

            return LinuxErrno.None;
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The attribute is opened with <c>O_NOFOLLOW | O_NONBLOCK</c>: a symbolic link planted in its place is refused
    /// (ELOOP) instead of written through, and a FIFO cannot block (ENXIO without a reader).
    /// </remarks>
    public LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value)
    {
        // An item's description must be created in a temporary imitation (configfs creates it with the
        // item); O_CREAT is harmless on configfs, where the file exists. Root attributes must exist.
        LinuxErrno opened = NativeFiles.OpenAttribute(AttributePath(item, attribute), write: true, create: item is not null, out SafeFileHandle handle);
        using (handle)
        {
            if (opened != LinuxErrno.None)
            {
                return opened;
            }

            try
            {
                // One pwrite(2) of the whole value: configfs_write_iter hands each call to the store function.
                RandomAccess.Write(handle, value, fileOffset: 0);
                return LinuxErrno.None;
            }
            catch (Exception e) when (IsFileSystemError(e))
            {
                return LinuxErrors.FromException(e);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Opened like <see cref="WriteAttribute"/> and read with a bound: a configfs show function prints at most one
    /// page, so at most <see cref="MaxAttributeBytes"/> + 1 bytes are read, whatever the file is (a FIFO with no
    /// writer reads empty, one whose writer is silent gives EAGAIN, a device never ends and is cut).
    /// </remarks>
    public LinuxErrno ReadAttribute(string? item, string attribute, out string value)
    {
        value = string.Empty;
        LinuxErrno opened = NativeFiles.OpenAttribute(AttributePath(item, attribute), write: false, create: false, out SafeFileHandle handle);
        using (handle)
        {
            if (opened != LinuxErrno.None)
            {
                return opened;
            }

            try
            {
                Span<byte> page = stackalloc byte[MaxAttributeBytes + 1];
                int total = 0;
                int read;
                while (total < page.Length && (read = RandomAccess.Read(handle, page[total..], total)) > 0)
                {
                    total += read;
                }

                value = System.Text.Encoding.UTF8.GetString(page[..total]);
                return LinuxErrno.None;
            }
            catch (Exception e) when (IsFileSystemError(e))
            {
                return LinuxErrors.FromException(e);
            }
        }
    }

    private static LinuxErrno RemoveEmptyDirectory(string path)
    {
        Directory.Delete(path, recursive: false);
        return LinuxErrno.None;
    }

    private static bool HoldsOnlyAttributes(string path)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(path))
        {
            if (Path.GetFileName(entry) != ConfigfsAttributes.Description)
            {
                return false;
            }
        }

        return true;
    }

    private static LinuxErrno Run(Func<LinuxErrno> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            return LinuxErrors.FromException(e);
        }
    }

    private static bool IsFileSystemError(Exception e) =>
        e is IOException or UnauthorizedAccessException or NotSupportedException;

    private string AttributePath(string? item, string attribute) =>
        item is null ? Path.Combine(Root, attribute) : Path.Combine(Root, item, attribute);
}
