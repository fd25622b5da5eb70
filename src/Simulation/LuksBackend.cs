namespace CrashDmCrypt.Simulation;

/// <summary>What a life-cycle run's LUKS volumes are.</summary>
public enum LuksBackend
{
    /// <summary>The model's volumes: a key opens a volume when it equals the volume key (the default).</summary>
    Model = 0,

    /// <summary>
    /// Real LUKS2 image files in a temporary folder, made by the installed <c>cryptsetup</c>; the restored keys are
    /// proved by cryptsetup's own check against each header. The folder is removed on every path.
    /// </summary>
    Cryptsetup = 1,
}
