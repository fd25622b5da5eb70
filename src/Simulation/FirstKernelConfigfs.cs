using System.Globalization;
using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// The first kernel's <c>crash_dm_crypt_keys</c> configfs group, with the kernel's exact rules and quirks
/// (<c>kernel/crash_dump_dm_crypt.c</c>). Stores take the bytes of one <c>write()</c>, as configfs hands them
/// to the store function, and return an errno.
/// </summary>
internal sealed class FirstKernelConfigfs
{
    // configfs_write_iter copies at most SIMPLE_ATTR_SIZE - 1 bytes of one write into the page.
    private const int MaxPage = 4095;

    private readonly FirstKernel _kernel;
    private readonly List<Item> _items = [];

    internal FirstKernelConfigfs(FirstKernel kernel) => _kernel = kernel;

    /// <summary><c>key_count</c>: the number of key items.</summary>
    public int KeyCount => _items.Count;

    /// <summary><c>is_dm_key_reused</c>.</summary>
    public bool Reuse { get; private set; }

    /// <summary>The items in creation order (the order <c>build_keys_header</c> walks <c>cg_children</c>).</summary>
    public IReadOnlyList<ConfigfsKeyItem> Items =>
        _items.ConvertAll(i => new ConfigfsKeyItem(i.Name, i.Description is null ? null : Encoding.UTF8.GetString(i.Description)));

    /// <summary><c>mkdir</c>: <c>config_keys_make_item</c>. EINVAL once <c>key_count &gt; 128</c> (so the 129th is accepted).</summary>
    public LinuxErrno MakeItem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            return LinuxErrno.EINVAL;
        }

        if (Encoding.UTF8.GetByteCount(name) > ConfigfsClient.MaxNameBytes)
        {
            return LinuxErrno.ENAMETOOLONG;
        }

        if (ConfigfsAttributes.IsRootAttribute(name) || Find(name) >= 0)
        {
            return LinuxErrno.EEXIST;
        }

        // The kernel's check is key_count > KEY_NUM_MAX, made before the increment.
        if (KeyCount > KeyBlobLayout.MaxKeys)
        {
            return LinuxErrno.EINVAL;
        }

        _items.Add(new Item(name));
        return LinuxErrno.None;
    }

    /// <summary><c>rmdir</c>: drops the item; <c>config_key_release</c> decrements <c>key_count</c>.</summary>
    public LinuxErrno RemoveItem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (ConfigfsAttributes.IsRootAttribute(name))
        {
            return LinuxErrno.ENOTDIR;
        }

        int index = Find(name);
        if (index < 0)
        {
            return LinuxErrno.ENOENT;
        }

        _items.RemoveAt(index);
        return LinuxErrno.None;
    }

    /// <summary>
    /// <c>config_key_description_store</c>: keeps the text up to the first newline (or NUL, where the C string
    /// ends); EINVAL when that is empty or longer than 128 bytes. 128 bytes are accepted.
    /// </summary>
    public LinuxErrno StoreDescription(string name, ReadOnlySpan<byte> page)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = Find(name);
        if (index < 0)
        {
            return LinuxErrno.ENOENT;
        }

        if (page.Length > MaxPage)
        {
            page = page[..MaxPage];
        }

        int length = page.IndexOfAny((byte)'\n', (byte)0);
        if (length < 0)
        {
            length = page.Length;
        }

        if (length == 0 || length > KeyBlobLayout.DescriptionFieldLength)
        {
            return LinuxErrno.EINVAL;
        }

        _items[index].Description = page[..length].ToArray();
        return LinuxErrno.None;
    }

    /// <summary><c>config_key_description_show</c>: <c>sprintf("%s\n")</c>, so an unset description reads <c>(null)</c>.</summary>
    public LinuxErrno ShowDescription(string name, out string text)
    {
        ArgumentNullException.ThrowIfNull(name);
        int index = Find(name);
        if (index < 0)
        {
            text = string.Empty;
            return LinuxErrno.ENOENT;
        }

        byte[]? description = _items[index].Description;
        text = (description is null ? "(null)" : Encoding.UTF8.GetString(description)) + "\n";
        return LinuxErrno.None;
    }

    /// <summary><c>config_keys_count_show</c>: <c>"%d\n"</c>.</summary>
    public string ShowCount() => string.Create(CultureInfo.InvariantCulture, $"{KeyCount}\n");

    /// <summary>
    /// <c>config_keys_reuse_store</c>: EINVAL unless a crash image with saved keys is loaded, or when
    /// <c>kstrtobool</c> fails; a true value copies the blob back from reserved memory into the first kernel's copy.
    /// </summary>
    public LinuxErrno StoreReuse(ReadOnlySpan<byte> page)
    {
        if (_kernel.LoadedImage is not { HasKeys: true } || !KernelBool.TryParse(page, out bool reuse))
        {
            return LinuxErrno.EINVAL;
        }

        Reuse = reuse;
        if (reuse)
        {
            _kernel.CopyKeysBackFromReservedMemory();
        }

        return LinuxErrno.None;
    }

    /// <summary><c>config_keys_reuse_show</c>: <c>"%d\n"</c>.</summary>
    public string ShowReuse() => Reuse ? "1\n" : "0\n";

    /// <summary>The raw descriptions in creation order, for <c>build_keys_header</c>.</summary>
    internal IEnumerable<(string Name, byte[]? Description)> RawItems()
    {
        foreach (Item item in _items)
        {
            yield return (item.Name, item.Description);
        }
    }

    private int Find(string name) => _items.FindIndex(i => i.Name == name);

    private sealed class Item(string name)
    {
        public string Name { get; } = name;

        public byte[]? Description { get; set; }
    }
}
