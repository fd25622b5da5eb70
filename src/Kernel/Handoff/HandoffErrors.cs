namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>Fixed English messages for <see cref="CommandLineError"/>; they never quote the input.</summary>
public static class HandoffErrors
{
    /// <summary>The message for a command-line error.</summary>
    /// <param name="error">The error.</param>
    /// <returns>One sentence without a final period; "unknown error" for an undefined value.</returns>
    public static string GetMessage(CommandLineError error) => error switch
    {
        CommandLineError.None => "no error",
        CommandLineError.ParameterMissing => "no dmcryptkeys= parameter on the command line (before any --)",
        CommandLineError.ValueMissing => "dmcryptkeys has no '=value'",
        CommandLineError.NoDigits => "the dmcryptkeys value does not start with a number (the kernel resets the address to 0)",
        CommandLineError.Overflow => "the dmcryptkeys value does not fit in 64 bits",
        CommandLineError.SuffixOverflow => "the dmcryptkeys value's K/M/G/T/P/E suffix shifts it past 64 bits",
        CommandLineError.TrailingCharacters => "characters follow the dmcryptkeys number and suffix (the kernel would ignore them)",
        CommandLineError.AddressZero => "the dmcryptkeys address is 0, which means no blob",
        _ => "unknown error",
    };
}
