using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Kernel.Configfs;

/// <summary>
/// The stable code of each <see cref="ConfigfsWarnings"/> flag. A warning that is a blob rule the kernel will trip
/// over later carries that rule's code (the rule lives in the codec); the others are <c>CDC35n</c>.
/// </summary>
public static class ConfigfsWarningCodes
{
    /// <summary>The code of one warning flag.</summary>
    /// <param name="warning">Exactly one flag.</param>
    /// <returns>The code, e.g. <c>CDC021</c> for <see cref="ConfigfsWarnings.DescriptionTruncatedByKernel"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warning"/> is not exactly one defined flag.</exception>
    public static string GetCode(ConfigfsWarnings warning) => warning switch
    {
        ConfigfsWarnings.DescriptionTruncatedByKernel => KeyBlobErrors.GetCode(KeyBlobError.DescriptionTruncatedByKernel),
        ConfigfsWarnings.ItemBeyondKeyLimit => KeyBlobErrors.GetCode(KeyBlobError.CountTooLarge),
        ConfigfsWarnings.DescriptionNotLogonForm => KeyBlobErrors.GetCode(KeyBlobError.DescriptionNotLogonForm),
        ConfigfsWarnings.RollbackFailed => ProblemCode.Format(350),
        ConfigfsWarnings.RestoreAlreadyDone => ProblemCode.Format(351),
        _ => throw new ArgumentOutOfRangeException(nameof(warning), warning, "Not exactly one defined warning flag."),
    };
}
