namespace CrashDmCrypt.Kernel.Keyring;

/// <summary>What a kernel keyring call that returns a value did.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Result">Status and errno.</param>
/// <param name="Value">The value: <c>default</c> on failure, except where a member documents otherwise.</param>
public readonly record struct KeyringResult<T>(KeyringResult Result, T Value)
{
    /// <summary>Whether the call succeeded.</summary>
    public bool Succeeded => Result.Succeeded;

    /// <summary>How it ended.</summary>
    public KeyringStatus Status => Result.Status;

    /// <summary>The errno, or <see cref="LinuxErrno.None"/>.</summary>
    public LinuxErrno Errno => Result.Errno;
}
