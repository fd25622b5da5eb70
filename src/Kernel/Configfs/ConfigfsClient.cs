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

    /// <summary>A client of <paramref name="backend"/> (the kernel model's configfs, or a test's).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is null.</exception>
    internal ConfigfsClient(IConfigfsBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backend = backend;
    }

    /// <summary>Where the operations go.</summary>
    internal IConfigfsBackend Backend { get; }

    /// <summary>
    /// Checks a description as <c>config_key_description_store</c> and <c>build_keys_header</c> will, by the codec's
    /// description rules (<see cref="KeyBlobWriter.CollectDescriptionProblems"/>): what configfs refuses is a
    /// <see cref="ConfigfsStatus.DescriptionRefused"/>; what it stores but the load later trips over is a warning.
    /// </summary>
    /// <param name="description">The logon key's description, e.g. <c>cryptsetup:&lt;LUKS UUID&gt;</c>.</param>
    /// <returns>Ok with warnings, or the refusal with the codec's rule in <see cref="ConfigfsResult.DescriptionProblem"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="description"/> is null.</exception>
    public static ConfigfsResult CheckDescription(string description)
    {
        ArgumentNullException.ThrowIfNull(description);

        // The kernel counts bytes. Over 128 the length alone decides (the codec checks it first), so any 129 bytes stand in.
        Span<byte> bytes = stackalloc byte[KeyBlobLayout.DescriptionFieldLength + 1];
        ReadOnlySpan<byte> checkedBytes = Encoding.UTF8.GetByteCount(description) > KeyBlobLayout.DescriptionFieldLength
            ? bytes
            : bytes[..Encoding.UTF8.GetBytes(description, bytes)];

        Span<KeyBlobProblem> problems = stackalloc KeyBlobProblem[4];
        int found = Math.Min(KeyBlobWriter.CollectDescriptionProblems(checkedBytes, problems), problems.Length);
        ConfigfsWarnings warnings = ConfigfsWarnings.None;
        foreach (KeyBlobProblem problem in problems[..found])
        {
            switch (problem.Error)
            {
                case KeyBlobError.DescriptionTruncatedByKernel:
                    warnings |= ConfigfsWarnings.DescriptionTruncatedByKernel;
                    break;
                case KeyBlobError.DescriptionNotLogonForm:
                    warnings |= ConfigfsWarnings.DescriptionNotLogonForm;
                    break;
                default:
                    return new ConfigfsResult
                    {
                        Status = ConfigfsStatus.DescriptionRefused,
                        Operation = ConfigfsOperation.CheckDescription,
                        DescriptionProblem = problem,
                    };
            }
        }

        return new ConfigfsResult { Warnings = warnings };
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
            return Refuse(ConfigfsStatus.InvalidName, ConfigfsOperation.CheckName, name);
        }

        ConfigfsResult checkedDescription = CheckDescription(description) with { Item = name };
        if (!checkedDescription.Succeeded)
        {
            return checkedDescription;
        }

        ConfigfsWarnings warnings = checkedDescription.Warnings;
        var names = new List<string>();
        LinuxErrno listed = Backend.ListItems(names);
        if (listed != LinuxErrno.None)
        {
            return FromErrno(listed, ConfigfsStatus.RootNotFound, ConfigfsOperation.ListItems, name, warnings);
        }

        if (names.Contains(name, StringComparer.Ordinal))
        {
            return Refuse(ConfigfsStatus.ItemExists, ConfigfsOperation.ListItems, name, warnings);
        }

        ConfigfsResult<int> count = ReadCount();
        int items = count.Succeeded ? count.Value : names.Count;
        if (!count.Succeeded && count.Result.Errno != LinuxErrno.ENOENT)
        {
            return count.Result with { Item = name, Warnings = warnings };
        }

        if (items >= MaxItemsAccepted)
        {
            return Refuse(ConfigfsStatus.TooManyItems, ConfigfsOperation.ReadCount, name, warnings);
        }

        if (items == KeyBlobLayout.MaxKeys)
        {
            warnings |= ConfigfsWarnings.ItemBeyondKeyLimit;
        }

        LinuxErrno made = Backend.MakeItem(name);
        if (made != LinuxErrno.None)
        {
            return FromErrno(made, ConfigfsStatus.RootNotFound, ConfigfsOperation.MakeItem, name, warnings);
        }

        // The whole value and its newline in one write: config_key_description_store keeps the text up to the newline.
        byte[] value = Encoding.UTF8.GetBytes(description + "\n");
        LinuxErrno written = Backend.WriteAttribute(name, ConfigfsAttributes.Description, value);
        if (written == LinuxErrno.None)
        {
            return new ConfigfsResult { Item = name, Warnings = warnings };
        }

        LinuxErrno removed = Backend.RemoveItem(name);
        if (removed != LinuxErrno.None)
        {
            warnings |= ConfigfsWarnings.RollbackFailed;
        }

        return FromErrno(written, ConfigfsStatus.NotFound, ConfigfsOperation.WriteDescription, name, warnings) with { RollbackErrno = removed };
    }

    /// <summary>First kernel: removes the key item <paramref name="name"/> (<c>rmdir</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public ConfigfsResult RemoveKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidItemName(name))
        {
            return Refuse(ConfigfsStatus.InvalidName, ConfigfsOperation.CheckName, name);
        }

        LinuxErrno removed = Backend.RemoveItem(name);
        return removed == LinuxErrno.None
            ? new ConfigfsResult { Item = name }
            : FromErrno(removed, ConfigfsStatus.NotFound, ConfigfsOperation.RemoveItem, name);
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
            return new() { Result = FromErrno(listed, ConfigfsStatus.RootNotFound, ConfigfsOperation.ListItems), Value = [] };
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
                return new() { Result = FromErrno(read, ConfigfsStatus.NotFound, ConfigfsOperation.ReadDescription, name), Value = [] };
            }

            string description = StripNewline(text);
            items.Add(new ConfigfsKeyItem(name, description.Length == 0 || description == NullDescription ? null : description));
        }

        return new() { Value = items };
    }

    /// <summary>First kernel: the <c>count</c> attribute, the number of key items.</summary>
    public ConfigfsResult<int> ReadCount()
    {
        LinuxErrno read = Backend.ReadAttribute(null, ConfigfsAttributes.Count, out string text);
        if (read != LinuxErrno.None)
        {
            return new() { Result = FromErrno(read, ConfigfsStatus.NotFound, ConfigfsOperation.ReadCount) };
        }

        return int.TryParse(StripNewline(text), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            ? new() { Value = count }
            : new() { Result = Refuse(ConfigfsStatus.Unreadable, ConfigfsOperation.ReadCount) };
    }

    /// <summary>First kernel: the <c>reuse</c> attribute.</summary>
    public ConfigfsResult<bool> ReadReuse() => ReadBool(ConfigfsAttributes.Reuse, ConfigfsOperation.ReadReuse);

    /// <summary>
    /// First kernel: writes <c>reuse</c>. True makes the next crash-kernel load (after CPU or memory
    /// hot-plug) reuse the blob already in reserved memory; the kernel refuses (EINVAL) when none is saved.
    /// </summary>
    public ConfigfsResult WriteReuse(bool value)
    {
        LinuxErrno written = Backend.WriteAttribute(null, ConfigfsAttributes.Reuse, value ? "1\n"u8 : "0\n"u8);
        return written == LinuxErrno.None
            ? default
            : FromErrno(written, ConfigfsStatus.NotFound, ConfigfsOperation.WriteReuse);
    }

    /// <summary>kdump kernel: the <c>restore</c> attribute (1 once keys were restored).</summary>
    public ConfigfsResult<bool> ReadRestore() => ReadBool(ConfigfsAttributes.Restore, ConfigfsOperation.ReadRestore);

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
            ? new ConfigfsResult { Warnings = warnings }
            : FromErrno(written, ConfigfsStatus.NotFound, ConfigfsOperation.WriteRestore, warnings: warnings);
    }

    private static string StripNewline(string text) =>
        text.EndsWith('\n') ? text[..^1] : text;

    private static ConfigfsResult Refuse(ConfigfsStatus status, ConfigfsOperation operation, string? item = null, ConfigfsWarnings warnings = ConfigfsWarnings.None) =>
        new() { Status = status, Operation = operation, Item = item, Warnings = warnings };

    private static ConfigfsResult FromErrno(LinuxErrno errno, ConfigfsStatus whenNotFound, ConfigfsOperation operation, string? item = null, ConfigfsWarnings warnings = ConfigfsWarnings.None)
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
        return new ConfigfsResult { Status = status, Operation = operation, Item = item, Errno = errno, Warnings = warnings };
    }

    private ConfigfsResult<bool> ReadBool(string attribute, ConfigfsOperation operation)
    {
        LinuxErrno read = Backend.ReadAttribute(null, attribute, out string text);
        if (read != LinuxErrno.None)
        {
            return new() { Result = FromErrno(read, ConfigfsStatus.NotFound, operation) };
        }

        // The show functions print a bool with "%d\n".
        return StripNewline(text) switch
        {
            "0" => new() { Value = false },
            "1" => new() { Value = true },
            _ => new() { Result = Refuse(ConfigfsStatus.Unreadable, operation) },
        };
    }
}
