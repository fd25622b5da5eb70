namespace CrashDmCrypt.Simulation;

/// <summary>The steps of the life cycle. A report lists them in the order Boot, Configfs, Load, Hotplug (optional), Restore, Dump.</summary>
public enum LifeCycleStepKind
{
    /// <summary>1: boot, unlock the volumes and link their keys as logon keys (<see cref="BootStep"/>).</summary>
    Boot = 1,

    /// <summary>2: create one configfs key item per volume (<see cref="ConfigfsStep"/>).</summary>
    Configfs = 2,

    /// <summary>3: <c>kexec_file_load</c> of the crash kernel, which places the blob (<see cref="LoadStep"/>).</summary>
    Load = 3,

    /// <summary>4: the crash, the restore in the kdump kernel, and cryptsetup (<see cref="RestoreStep"/>).</summary>
    Restore = 4,

    /// <summary>5: the dump and the check that reserved memory holds no key (<see cref="DumpStep"/>).</summary>
    Dump = 5,

    /// <summary>Optional, between the load and the crash: a hot-plug reload (<see cref="HotplugStep"/>).</summary>
    Hotplug = 6,
}
