using System.Globalization;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// A typed client for <c>/sys/kernel/config/crash_dm_crypt_keys</c>. It checks what the kernel will check
/// before touching the file system, writes each attribute with one <c>write()</c>, reports the kernel's
/// silent quirks as <see cref="ConfigfsWarnings"/>, and never leaves an add half done.
/// </summary>
public sealed class ConfigfsClient
{
    /// <summary>Longest directory name (<c>NAME_MAX</c>).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// Most items configfs accepts: <c>config_keys_make_item</c> refuses only once <c>key_count &gt; 128</c>,
    /// so the 129th <c>mkdir</c> succeeds and the 130th gets EINVAL.
    /// </summary>
    public const int MaxItemsAccepted = KeyBlobLayout.MaxKeys + 1;

    // configfs_item_operations show descriptions with sprintf("%s\n"), so an unset one reads "(null)".
    private const string NullDescription = "(null)";

    /// <summary>A client of the directory <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="root"/> is empty.</exception>
    public ConfigfsClient(string root = ConfigfsAttributes.DefaultRoot)
        : this(new DirectoryConfigfsBackend(root))
    {
    }

    /// <summary>A client of <paramref name="backend"/> (for example the kernel model's configfs).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is null.</exception>
    public ConfigfsClient(IConfigfsBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backend = backend;
    }

    /// <summary>Where the operations go.</summary>
    public IConfigfsBackend Backend { get; }

    /// <summary>Checks a description as <c>config_key_description_store</c> and <c>build_keys_header</c> will.</summary>
    /// <param name="description">The logon key's description, e.g. <c>cryptsetup:&lt;LUKS UUID&gt;</c>.</param>
    /// <param name="warnings">What the kernel would accept but later trip over.</param>
    /// <returns><see cref="ConfigfsStatus.Ok"/>, or the reason the kernel (or this client) refuses it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public static ConfigfsStatus CheckDescription(string description, out ConfigfsWarnings warnings)
    {
        ArgumentNullException.ThrowIfNull(description);
        warnings = ConfigfsWarnings.None;
        if (description.Length == 0)
        {
            return ConfigfsStatus.DescriptionEmpty;
        }

        if (description.Contains('\n', StringComparison.Ordinal))
        {
            return ConfigfsStatus.DescriptionContainsNewline;
        }

        if (description.Contains('\0', StringComparison.Ordinal))
        {
            return ConfigfsStatus.DescriptionContainsNul;
        }

        // The kernel counts bytes, not characters.
        int bytes = Encoding.UTF8.GetByteCount(description);
        if (bytes > KeyBlobLayout.DescriptionFieldLength)
        {
            return ConfigfsStatus.DescriptionTooLong;
        }

        if (bytes == KeyBlobLayout.DescriptionFieldLength)
        {
            warnings |= ConfigfsWarnings.DescriptionTruncatedByKernel;
        }

        // logon_vet_description: a ':' that is not the first character.
        if (description.IndexOf(':', StringComparison.Ordinal) <= 0)
        {
            warnings |= ConfigfsWarnings.DescriptionNotLogonForm;
        }

        return ConfigfsStatus.Ok;
    }

    /// <summary>Whether <paramref name="name"/> can be a key item's directory name.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public static bool IsValidItemName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length > 0
            && name is not "." and not ".."
            && !name.Contains('/', StringComparison.Ordinal)
            && !name.Contains('\0', StringComparison.Ordinal)
            && Encoding.UTF8.GetByteCount(name) <= MaxNameBytes
            && !ConfigfsAttributes.IsRootAttribute(name);
    }

    /// <summary>One line per warning in <paramref name="warnings"/>.</summary>
    public static IReadOnlyList<string> DescribeWarnings(ConfigfsWarnings warnings)
    {
        var lines = new List<string>();
        if (warnings.HasFlag(ConfigfsWarnings.DescriptionTruncatedByKernel))
        {
            lines.Add("the description is 128 bytes: the kernel keeps only 127 when it builds the blob (strscpy), so the logon-key lookup will use the wrong name and the kexec load will fail");
        }

        if (warnings.HasFlag(ConfigfsWarnings.ItemBeyondKeyLimit))
        {
            lines.Add("this is the 129th item: configfs accepts it (its check is count > 128), but the kdump kernel refuses a blob of more than 128 keys and will restore none of them");
        }

        if (warnings.HasFlag(ConfigfsWarnings.DescriptionNotLogonForm))
        {
            lines.Add("the description is not 'prefix:rest' (e.g. cryptsetup:<UUID>): no logon key can carry it, so the kexec load will fail with ENOKEY");
        }

        if (warnings.HasFlag(ConfigfsWarnings.RollbackFailed))
        {
            lines.Add("the item created for this key could not be removed again; remove it by hand");
        }

        if (warnings.HasFlag(ConfigfsWarnings.RestoreAlreadyDone))
        {
            lines.Add("restore already read 1: the kernel restores keys only on the first write, so this write restored nothing");
        }

        return lines;
    }

    /// <summary>
    /// First kernel: creates the key item <paramref name="name"/> and writes its description. If the
    /// description write fails, the item is removed again.
    /// </summary>
    /// <param name="name">The item's directory name (kdump-utils uses the LUKS UUID).</param>
    /// <param name="description">The logon key's description, 1..128 bytes, no newline.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public ConfigfsResult AddKey(string name, string description)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(description);
        if (!IsValidItemName(name))
        {
            return ConfigfsResult.Refuse(
                ConfigfsStatus.InvalidName,
                $"key '{name}': not a valid item name (1..{MaxNameBytes} bytes, no '/', not '.', '..', '{ConfigfsAttributes.Count}', '{ConfigfsAttributes.Reuse}' or '{ConfigfsAttributes.Restore}')");
        }

        ConfigfsStatus checkedDescription = CheckDescription(description, out ConfigfsWarnings warnings);
        if (checkedDescription != ConfigfsStatus.Ok)
        {
            return ConfigfsResult.Refuse(checkedDescription, $"key '{name}': {DescribeDescriptionRefusal(checkedDescription)}");
        }

        var names = new List<string>();
        LinuxErrno listed = Backend.ListItems(names);
        if (listed != LinuxErrno.None)
        {
            return FromErrno(listed, ConfigfsStatus.RootNotFound, $"key '{name}': cannot list {Backend.DisplayName}", warnings);
        }

        if (names.Contains(name, StringComparer.Ordinal))
        {
            return ConfigfsResult.Refuse(ConfigfsStatus.ItemExists, $"key '{name}': an item of that name already exists", warnings);
        }

        ConfigfsResult<int> count = ReadCount();
        int items = count.Succeeded ? count.Value : names.Count;
        if (!count.Succeeded && count.Result.Errno != LinuxErrno.ENOENT)
        {
            return count.Result with { Message = $"key '{name}': {count.Result.Message}", Warnings = warnings };
        }

        if (items >= MaxItemsAccepted)
        {
            return ConfigfsResult.Refuse(
                ConfigfsStatus.TooManyItems,
                string.Create(CultureInfo.InvariantCulture, $"key '{name}': {items} items exist; the kernel refuses another (mkdir gives EINVAL once count is above {KeyBlobLayout.MaxKeys})"),
                warnings);
        }

        if (items == KeyBlobLayout.MaxKeys)
        {
            warnings |= ConfigfsWarnings.ItemBeyondKeyLimit;
        }

        LinuxErrno made = Backend.MakeItem(name);
        if (made != LinuxErrno.None)
        {
            string why = made == LinuxErrno.EINVAL
                ? $"the kernel refused to create the item (it allows {MaxItemsAccepted} at most)"
                : "cannot create the item";
            return FromErrno(made, ConfigfsStatus.RootNotFound, $"key '{name}': {why}", warnings);
        }

        // The whole value and its newline in one write: config_key_description_store keeps the text up to the newline.
        byte[] value = Encoding.UTF8.GetBytes(description + "\n");
        LinuxErrno written = Backend.WriteAttribute(name, ConfigfsAttributes.Description, value);
        if (written == LinuxErrno.None)
        {
            return ConfigfsResult.Ok(warnings);
        }

        LinuxErrno removed = Backend.RemoveItem(name);
        string rollback = removed == LinuxErrno.None
            ? "the item was removed again"
            : $"removing the item again failed too ({LinuxErrors.Describe(removed)})";
        if (removed != LinuxErrno.None)
        {
            warnings |= ConfigfsWarnings.RollbackFailed;
        }

        string refused = written == LinuxErrno.EINVAL
            ? "the kernel refused the description (it must be 1..128 bytes before the first newline)"
            : "cannot write the description";
        return FromErrno(written, ConfigfsStatus.NotFound, $"key '{name}': {refused}; {rollback}", warnings);
    }

    /// <summary>First kernel: removes the key item <paramref name="name"/> (<c>rmdir</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public ConfigfsResult RemoveKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidItemName(name))
        {
            return ConfigfsResult.Refuse(ConfigfsStatus.InvalidName, $"key '{name}': not a valid item name");
        }

        LinuxErrno removed = Backend.RemoveItem(name);
        return removed == LinuxErrno.None
            ? ConfigfsResult.Ok()
            : FromErrno(removed, ConfigfsStatus.NotFound, $"key '{name}': cannot remove the item");
    }

    /// <summary>
    /// First kernel: the key items and their descriptions, sorted by name. (The blob follows creation
    /// order, which a directory listing does not show.)
    /// </summary>
    public ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> ListKeys()
    {
        var names = new List<string>();
        LinuxErrno listed = Backend.ListItems(names);
        if (listed != LinuxErrno.None)
        {
            return new(FromErrno(listed, ConfigfsStatus.RootNotFound, $"cannot list {Backend.DisplayName}"), []);
        }

        names.Sort(StringComparer.Ordinal);
        var items = new List<ConfigfsKeyItem>(names.Count);
        foreach (string name in names)
        {
            LinuxErrno read = Backend.ReadAttribute(name, ConfigfsAttributes.Description, out string text);
            if (read == LinuxErrno.ENOENT)
            {
                items.Add(new ConfigfsKeyItem(name, null));
                continue;
            }

            if (read != LinuxErrno.None)
            {
                return new(FromErrno(read, ConfigfsStatus.NotFound, $"key '{name}': cannot read its description"), []);
            }

            string description = StripNewline(text);
            items.Add(new ConfigfsKeyItem(name, description.Length == 0 || description == NullDescription ? null : description));
        }

        return new(ConfigfsResult.Ok(), items);
    }

    /// <summary>First kernel: the <c>count</c> attribute, the number of key items.</summary>
    public ConfigfsResult<int> ReadCount()
    {
        LinuxErrno read = Backend.ReadAttribute(null, ConfigfsAttributes.Count, out string text);
        if (read != LinuxErrno.None)
        {
            return new(FromErrno(read, ConfigfsStatus.NotFound, $"cannot read {ConfigfsAttributes.Count}"), 0);
        }

        return int.TryParse(StripNewline(text), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            ? new(ConfigfsResult.Ok(), count)
            : new(ConfigfsResult.Refuse(ConfigfsStatus.Unreadable, $"{ConfigfsAttributes.Count} does not hold a decimal number"), 0);
    }

    /// <summary>First kernel: the <c>reuse</c> attribute.</summary>
    public ConfigfsResult<bool> ReadReuse() => ReadBool(ConfigfsAttributes.Reuse);

    /// <summary>
    /// First kernel: writes <c>reuse</c>. True makes the next crash-kernel load (after CPU or memory
    /// hot-plug) reuse the blob already in reserved memory; the kernel refuses (EINVAL) when none is saved.
    /// </summary>
    public ConfigfsResult WriteReuse(bool value)
    {
        LinuxErrno written = Backend.WriteAttribute(null, ConfigfsAttributes.Reuse, value ? "1\n"u8 : "0\n"u8);
        if (written == LinuxErrno.None)
        {
            return ConfigfsResult.Ok();
        }

        string why = written == LinuxErrno.EINVAL
            ? "the kernel refused: no crash kernel with saved dm-crypt keys is loaded"
            : $"cannot write {ConfigfsAttributes.Reuse}";
        return FromErrno(written, ConfigfsStatus.NotFound, why);
    }

    /// <summary>kdump kernel: the <c>restore</c> attribute (1 once keys were restored).</summary>
    public ConfigfsResult<bool> ReadRestore() => ReadBool(ConfigfsAttributes.Restore);

    /// <summary>
    /// kdump kernel: writes <c>yes</c> to <c>restore</c>, which makes the kernel add every key of the blob
    /// to the user keyring. The kernel ignores its own restore errors and reports success anyway, so check
    /// the keyring afterwards (cryptsetup's <c>--volume-key-keyring</c> does).
    /// </summary>
    public ConfigfsResult Restore()
    {
        ConfigfsWarnings warnings = ConfigfsWarnings.None;
        ConfigfsResult<bool> before = ReadRestore();
        if (before.Succeeded && before.Value)
        {
            warnings |= ConfigfsWarnings.RestoreAlreadyDone;
        }

        LinuxErrno written = Backend.WriteAttribute(null, ConfigfsAttributes.Restore, "yes\n"u8);
        return written == LinuxErrno.None
            ? ConfigfsResult.Ok(warnings)
            : FromErrno(written, ConfigfsStatus.NotFound, $"cannot write {ConfigfsAttributes.Restore}", warnings);
    }

    private static string DescribeDescriptionRefusal(ConfigfsStatus status) => status switch
    {
        ConfigfsStatus.DescriptionEmpty => "the description is empty; the kernel refuses it (EINVAL)",
        ConfigfsStatus.DescriptionTooLong => "the description is longer than 128 bytes; the kernel refuses it (EINVAL)",
        ConfigfsStatus.DescriptionContainsNewline => "the description holds a newline; the kernel would keep only the text before it",
        ConfigfsStatus.DescriptionContainsNul => "the description holds a NUL byte; the kernel's C string would end there",
        _ => "the description is refused",
    };

    private static string StripNewline(string text) =>
        text.EndsWith('\n') ? text[..^1] : text;

    private static ConfigfsResult FromErrno(LinuxErrno errno, ConfigfsStatus whenNotFound, string what, ConfigfsWarnings warnings = ConfigfsWarnings.None)
    {
        ConfigfsStatus status = errno switch
        {
            LinuxErrno.ENOENT => whenNotFound,
            LinuxErrno.EEXIST => ConfigfsStatus.ItemExists,
            LinuxErrno.EINVAL => ConfigfsStatus.KernelRefused,
            LinuxErrno.ENOMEM => ConfigfsStatus.OutOfMemory,
            LinuxErrno.EACCES or LinuxErrno.EPERM => ConfigfsStatus.PermissionDenied,
            _ => ConfigfsStatus.IoError,
        };
        return new ConfigfsResult(status, errno, warnings, $"{what}: {LinuxErrors.Describe(errno)}");
    }

    private ConfigfsResult<bool> ReadBool(string attribute)
    {
        LinuxErrno read = Backend.ReadAttribute(null, attribute, out string text);
        if (read != LinuxErrno.None)
        {
            return new(FromErrno(read, ConfigfsStatus.NotFound, $"cannot read {attribute}"), false);
        }

        // The show functions print a bool with "%d\n".
        return StripNewline(text) switch
        {
            "0" => new(ConfigfsResult.Ok(), false),
            "1" => new(ConfigfsResult.Ok(), true),
            _ => new(ConfigfsResult.Refuse(ConfigfsStatus.Unreadable, $"{attribute} holds neither 0 nor 1"), false),
        };
    }
}
