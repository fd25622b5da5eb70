namespace CrashDmCrypt.Simulation;

/// <summary>The two key types of the life cycle.</summary>
internal enum KeyType
{
    /// <summary>
    /// <c>logon</c>: payload readable only inside the kernel; the description must be <c>prefix:rest</c>
    /// (<c>logon_vet_description</c>). cryptsetup links LUKS volume keys as logon keys.
    /// </summary>
    Logon = 0,

    /// <summary><c>user</c>: the kdump kernel restores keys as user keys, which cryptsetup then reads.</summary>
    User = 1,
}
