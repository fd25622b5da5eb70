using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// <see cref="IConfigfsBackend"/> over a directory: the real configfs mount, or a temporary directory
/// that imitates it (an item is a directory holding a <c>description</c> file). Every .NET exception
/// is turned into its errno.
/// </summary>
public sealed class DirectoryConfigfsBackend : IConfigfsBackend
{
    /// <summary>Uses <paramref name="root"/>, normally <see cref="ConfigfsAttributes.DefaultRoot"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty.</exception>
    public DirectoryConfigfsBackend(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = root;
    }

    /// <summary>The <c>crash_dm_crypt_keys</c> directory.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string DisplayName => Root;

    /// <inheritdoc/>
    public LinuxErrno MakeItem(string name)
    {
        string path = Path.Combine(Root, name);
        return Run(() =>
        {
            // Directory.CreateDirectory would create a missing root (and succeed on an existing item):
            // neither is what mkdir(2) on configfs does.
            if (!Directory.Exists(Root))
            {
                return LinuxErrno.ENOENT;
            }

            if (Path.Exists(path))
            {
                return LinuxErrno.EEXIST;
            }

            Directory.CreateDirectory(path);
            return LinuxErrno.None;
        });
    }

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
    public LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value)
    {
        string path = AttributePath(item, attribute);

        // An item's description must be created in a temporary imitation (configfs creates it with the
        // item); O_CREAT is harmless on configfs, where the file exists. Root attributes must exist.
        FileMode mode = item is null ? FileMode.Truncate : FileMode.Create;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, mode, FileAccess.Write, FileShare.ReadWrite);

            // One pwrite(2) of the whole value: configfs_write_iter hands each call to the store function.
            RandomAccess.Write(handle, value, fileOffset: 0);
            return LinuxErrno.None;
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            return LinuxErrors.FromException(e);
        }
    }

    /// <inheritdoc/>
    public LinuxErrno ReadAttribute(string? item, string attribute, out string value)
    {
        string path = AttributePath(item, attribute);
        try
        {
            value = File.ReadAllText(path);
            return LinuxErrno.None;
        }
        catch (Exception e) when (IsFileSystemError(e))
        {
            value = string.Empty;
            return LinuxErrors.FromException(e);
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
