using System.Globalization;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The words for what the configfs client returns: one line per refusal and per warning. The client returns data
/// (status, step, item, errno, warnings); only the tool writes sentences. Item names are escaped like descriptions,
/// since a name read from a directory can hold terminal control bytes.
/// </summary>
internal static class ConfigfsText
{
    /// <summary>One line for a failed operation: the key, the step, the reason, the errno, and the code.</summary>
    public static string Describe(ConfigfsResult result, string root)
    {
        string what = result.Status switch
        {
            ConfigfsStatus.InvalidName => string.Create(CultureInfo.InvariantCulture, $"not a valid item name (1..{ConfigfsClient.MaxNameBytes} bytes, no '/', not '.', '..', '{ConfigfsAttributes.Count}', '{ConfigfsAttributes.Reuse}' or '{ConfigfsAttributes.Restore}')"),
            ConfigfsStatus.DescriptionRefused => DescribeDescription(result.DescriptionProblem.Error),
            ConfigfsStatus.TooManyItems => string.Create(CultureInfo.InvariantCulture, $"{ConfigfsClient.MaxItemsAccepted} items exist; the kernel refuses another (mkdir gives EINVAL once count is above {KeyBlobLayout.MaxKeys})"),
            ConfigfsStatus.ItemExists when result.Errno == LinuxErrno.None => "an item of that name already exists",
            ConfigfsStatus.Unreadable => result.Operation == ConfigfsOperation.ReadCount
                ? $"{ConfigfsAttributes.Count} does not hold a decimal number"
                : $"{Attribute(result.Operation)} holds neither 0 nor 1",
            _ => DescribeStep(result, root),
        };
        if (result.Errno != LinuxErrno.None)
        {
            what += ": " + ErrnoText.Describe(result.Errno);
        }

        string key = result.Item is null ? string.Empty : $"key {CliText.Quote(result.Item)}: ";
        return $"{key}{what} [{result.Code}]";
    }

    /// <summary>One line per warning, each with its code.</summary>
    public static IEnumerable<string> DescribeWarnings(ConfigfsWarnings warnings)
    {
        foreach (ConfigfsWarnings flag in Enum.GetValues<ConfigfsWarnings>())
        {
            if (flag == ConfigfsWarnings.None || (warnings & flag) == 0)
            {
                continue;
            }

            string text = flag switch
            {
                // The codec's rule and its text: one place for the 128-byte truncation.
                ConfigfsWarnings.DescriptionTruncatedByKernel => KeyBlobErrors.GetMessage(KeyBlobError.DescriptionTruncatedByKernel),
                ConfigfsWarnings.ItemBeyondKeyLimit => "this is the 129th item: configfs accepts it (its check is count > 128), but the kdump kernel refuses a blob of more than 128 keys and will restore none of them",
                ConfigfsWarnings.DescriptionNotLogonForm => "the description is not 'prefix:rest' (e.g. cryptsetup:<UUID>): no logon key can carry it, so the kexec load will fail with ENOKEY",
                ConfigfsWarnings.RollbackFailed => "the item created for this key could not be removed again; remove it by hand",
                ConfigfsWarnings.RestoreAlreadyDone => "restore already read 1: the kernel restores keys only on the first write, so this write restored nothing",
                _ => flag.ToString(),
            };
            yield return $"{text} [{ConfigfsWarningCodes.GetCode(flag)}]";
        }
    }

    private static string DescribeDescription(KeyBlobError error) => error switch
    {
        KeyBlobError.DescriptionEmpty => "the description is empty; the kernel refuses it (EINVAL)",
        KeyBlobError.DescriptionTooLong => "the description is longer than 128 bytes; the kernel refuses it (EINVAL)",
        KeyBlobError.DescriptionContainsNewline => "the description holds a newline; the kernel would keep only the text before it",
        KeyBlobError.DescriptionContainsNul => "the description holds a NUL byte; the kernel's C string would end there",
        _ => "the description is refused: " + KeyBlobErrors.GetMessage(error),
    };

    private static string DescribeStep(ConfigfsResult result, string root)
    {
        bool refused = result.Errno == LinuxErrno.EINVAL;
        return result.Operation switch
        {
            ConfigfsOperation.ListItems => $"cannot list {CliText.Quote(root)}",
            ConfigfsOperation.ReadCount => $"cannot read {ConfigfsAttributes.Count}",
            ConfigfsOperation.MakeItem => refused
                ? string.Create(CultureInfo.InvariantCulture, $"the kernel refused to create the item (it allows {ConfigfsClient.MaxItemsAccepted} at most)")
                : "cannot create the item",
            ConfigfsOperation.WriteDescription => (refused
                ? "the kernel refused the description (it must be 1..128 bytes before the first newline)"
                : "cannot write the description")
                + (result.RollbackErrno == LinuxErrno.None
                    ? "; the item was removed again"
                    : $"; removing the item again failed too ({ErrnoText.Describe(result.RollbackErrno)})"),
            ConfigfsOperation.RemoveItem => "cannot remove the item",
            ConfigfsOperation.ReadDescription => "cannot read its description",
            ConfigfsOperation.WriteReuse when refused => "the kernel refused: no crash kernel with saved dm-crypt keys is loaded",
            ConfigfsOperation.WriteReuse or ConfigfsOperation.WriteRestore => $"cannot write {Attribute(result.Operation)}",
            ConfigfsOperation.ReadReuse or ConfigfsOperation.ReadRestore => $"cannot read {Attribute(result.Operation)}",
            _ => "failed",
        };
    }

    private static string Attribute(ConfigfsOperation operation) => operation switch
    {
        ConfigfsOperation.ReadReuse or ConfigfsOperation.WriteReuse => ConfigfsAttributes.Reuse,
        ConfigfsOperation.ReadRestore or ConfigfsOperation.WriteRestore => ConfigfsAttributes.Restore,
        ConfigfsOperation.ReadCount => ConfigfsAttributes.Count,
        _ => ConfigfsAttributes.Description,
    };
}
