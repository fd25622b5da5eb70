using System.Globalization;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The words for what the real LUKS2 checks return (<c>CDC6nn</c>, spec/ERRORS.md): the simulator returns a status
/// and fields (exit code, errno, sizes, cryptsetup's raw stderr line); only the tool writes sentences.
/// </summary>
internal static class LuksText
{
    /// <summary>A fixed explanation of <paramref name="status"/>, as spec/ERRORS.md lists it.</summary>
    public static string GetMessage(LuksCheckStatus status) => status switch
    {
        LuksCheckStatus.Ok => "done",
        LuksCheckStatus.ToolMissing => "no cryptsetup program was found (Debian: apt-get install cryptsetup-bin)",
        LuksCheckStatus.UnsupportedKeySize => "the key size has no cipher here: 16 or 24 bytes (aes-cbc-essiv) and 32 or 64 bytes (aes-xts) are supported",
        LuksCheckStatus.KeySizeMismatch => "the candidate key's length differs from the volume key's, so it cannot be the volume key; cryptsetup was not asked",
        LuksCheckStatus.KeyMismatch => "cryptsetup checked the candidate against the header's digest and refused it",
        LuksCheckStatus.ToolFailed => "cryptsetup failed",
        LuksCheckStatus.IoError => "the temporary folder or image could not be made, or cryptsetup could not be started",
        LuksCheckStatus.NoImage => "no LUKS2 image was made for this volume",
        _ => "the cryptsetup step failed",
    };

    /// <summary>One line: the code and what cryptsetup said (its own last line, kept as it printed it) or the fields; <c>ok</c> on success.</summary>
    public static string Describe(LuksCheckResult result) => result switch
    {
        { Succeeded: true } => "ok",
        { TimedOut: true } => $"{result.Code} cryptsetup did not finish in time",
        { ToolStandardError.Length: > 0 } => $"{result.Code} {result.ToolStandardError.TrimEnd('.')}",
        { Status: LuksCheckStatus.UnsupportedKeySize } => string.Create(CultureInfo.InvariantCulture, $"{result.Code} no cipher for a {result.KeySize}-byte volume key (16, 24, 32 or 64)"),
        { Status: LuksCheckStatus.KeySizeMismatch } => string.Create(CultureInfo.InvariantCulture, $"{result.Code} the key has {result.KeySize} bytes; the volume key has {result.VolumeKeySize}"),
        { Status: LuksCheckStatus.IoError, FailedCall.Length: > 0 } => $"{result.Code} cannot run cryptsetup: {result.FailedCall}: {ErrnoText.Describe(result.Errno)}",
        { Status: LuksCheckStatus.IoError, Errno: not Kernel.LinuxErrno.None } => $"{result.Code} {GetMessage(result.Status)}: {ErrnoText.Describe(result.Errno)}",
        _ => $"{result.Code} {GetMessage(result.Status)}",
    };
}
