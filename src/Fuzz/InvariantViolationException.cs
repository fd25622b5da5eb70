namespace CrashDmCrypt.Fuzz;

/// <summary>
/// A fuzz target found a broken invariant. Thrown out of the target so AFL records the input as a crash.
/// Messages name rules, entries and offsets, never input bytes.
/// </summary>
public sealed class InvariantViolationException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public InvariantViolationException()
        : base("A fuzz invariant was violated.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public InvariantViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the exception that caused it.</summary>
    public InvariantViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
