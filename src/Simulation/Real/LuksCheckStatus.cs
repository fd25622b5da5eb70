namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// How a <see cref="LuksImageFolder"/> step with the real cryptsetup ended. Each failure has a stable code
/// <c>CDC6nn</c> (<see cref="LuksCheckResult.Code"/>).
/// </summary>
public enum LuksCheckStatus
{
    /// <summary>Done: the image was made, or cryptsetup confirmed the key is the volume key.</summary>
    Ok = 0,

    /// <summary>No <c>cryptsetup</c> program was found (Debian: <c>apt-get install cryptsetup-bin</c>).</summary>
    ToolMissing = 601,

    /// <summary>The key size has no cipher here: 16 or 24 bytes (aes-cbc-essiv) and 32 or 64 bytes (aes-xts) are supported.</summary>
    UnsupportedKeySize = 602,

    /// <summary>The candidate key's length differs from the volume key's, so it cannot be the volume key; cryptsetup was not asked.</summary>
    KeySizeMismatch = 603,

    /// <summary>cryptsetup checked the candidate against the header's digest and refused it ("Volume key does not match the volume.", exit 2).</summary>
    KeyMismatch = 604,

    /// <summary>cryptsetup failed for another reason (see <see cref="LuksCheckResult.ExitCode"/> and <see cref="LuksCheckResult.ToolStandardError"/>), or did not finish in time (<see cref="LuksCheckResult.TimedOut"/>).</summary>
    ToolFailed = 605,

    /// <summary>The temporary folder or image could not be made, or cryptsetup could not be started.</summary>
    IoError = 606,

    /// <summary>The volume has no LUKS2 image to check a key against: making it failed earlier in the run.</summary>
    NoImage = 607,
}
