using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// <see cref="IConfigfsBackend"/> over a model kernel's configfs group, so <see cref="ConfigfsClient"/> runs
/// against the model exactly as against <c>/sys/kernel/config/crash_dm_crypt_keys</c>, errnos included.
/// </summary>
internal sealed class ModelConfigfsBackend : IConfigfsBackend
{
    private readonly FirstKernel? _first;
    private readonly KdumpKernel? _kdump;

    /// <summary>The first kernel's group: items, <c>count</c>, <c>reuse</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public ModelConfigfsBackend(FirstKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        _first = kernel;
    }

    /// <summary>The kdump kernel's group: only <c>restore</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    public ModelConfigfsBackend(KdumpKernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        _kdump = kernel;
    }

    /// <inheritdoc/>
    public string DisplayName => _first is not null
        ? "model first kernel: " + ConfigfsAttributes.DefaultRoot
        : "model kdump kernel: " + ConfigfsAttributes.DefaultRoot;

    /// <inheritdoc/>
    public LinuxErrno MakeItem(string name) =>

        // The kdump kernel's group type has no make_item, so configfs_mkdir returns EPERM.
        _first?.Configfs.MakeItem(name) ?? LinuxErrno.EPERM;

    /// <inheritdoc/>
    public LinuxErrno RemoveItem(string name) =>
        _first?.Configfs.RemoveItem(name) ?? LinuxErrno.ENOENT;

    /// <inheritdoc/>
    public LinuxErrno ListItems(ICollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (_first is not null)
        {
            foreach (ConfigfsKeyItem item in _first.Configfs.Items)
            {
                names.Add(item.Name);
            }
        }

        return LinuxErrno.None;
    }

    /// <inheritdoc/>
    public LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(attribute);

        // A 0-byte write() of an attribute fails with EFAULT before store() runs (fs/configfs/file.c:196, :227-229).
        bool storable = _first is not null
            ? (item, attribute) is (not null, ConfigfsAttributes.Description) or (null, ConfigfsAttributes.Reuse)
            : (item, attribute) is (null, ConfigfsAttributes.Restore);
        if (storable && value.IsEmpty)
        {
            return LinuxErrno.EFAULT;
        }

        if (_first is not null)
        {
            return (item, attribute) switch
            {
                (not null, ConfigfsAttributes.Description) => _first.Configfs.StoreDescription(item, value),
                (null, ConfigfsAttributes.Reuse) => _first.Configfs.StoreReuse(value),

                // configfs_open_file refuses a write open of an attribute without store.
                (null, ConfigfsAttributes.Count) => LinuxErrno.EACCES,
                _ => LinuxErrno.ENOENT,
            };
        }

        return (item, attribute) switch
        {
            (null, ConfigfsAttributes.Restore) => _kdump!.StoreRestore(value).Error,
            _ => LinuxErrno.ENOENT,
        };
    }

    /// <inheritdoc/>
    public LinuxErrno ReadAttribute(string? item, string attribute, out string value)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        value = string.Empty;
        if (_first is not null)
        {
            switch (item, attribute)
            {
                case (not null, ConfigfsAttributes.Description):
                    return _first.Configfs.ShowDescription(item, out value);
                case (null, ConfigfsAttributes.Count):
                    value = _first.Configfs.ShowCount();
                    return LinuxErrno.None;
                case (null, ConfigfsAttributes.Reuse):
                    value = _first.Configfs.ShowReuse();
                    return LinuxErrno.None;
                default:
                    return LinuxErrno.ENOENT;
            }
        }

        if (item is null && attribute == ConfigfsAttributes.Restore)
        {
            value = _kdump!.ShowRestore();
            return LinuxErrno.None;
        }

        return LinuxErrno.ENOENT;
    }
}
