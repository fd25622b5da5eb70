namespace CrashDmCrypt.Simulation;

/// <summary>Why a <see cref="KdumpLifeCycle.Run"/> failed, in the order the run checks.</summary>
public enum LifeCycleFailure
{
    /// <summary>Every volume was opened in the kdump kernel and no key byte was left in reserved memory.</summary>
    None = 0,

    /// <summary>configfs refused a key item (<see cref="ConfigfsStep"/>); the run stopped there.</summary>
    ConfigfsRefused = 1,

    /// <summary><c>prepare_luks</c> could not get a volume's logon key (<see cref="ConfigfsItemOutcome.LogonKeyLookup"/>), so it failed and nothing was loaded.</summary>
    LogonKeyUnavailable = 6,

    /// <summary><c>kexec_file_load</c> failed (<see cref="LoadStep"/>), so a crash would leave the volumes locked; the run stopped there.</summary>
    LoadFailed = 2,

    /// <summary>No crash kernel was loaded after the hot-plug reload (<see cref="HotplugStep.Reload"/>), so the panic reboots without a dump.</summary>
    NoCrashKernel = 7,

    /// <summary>The kdump kernel's restore did not restore the blob (<see cref="KdumpRestoreOutcome.Status"/>).</summary>
    RestoreFailed = 3,

    /// <summary>The restore succeeded but cryptsetup could not open every volume.</summary>
    VolumesLocked = 5,
}
