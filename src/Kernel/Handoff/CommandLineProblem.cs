using System.Globalization;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>Why a command line (or a <c>memparse</c> number) was refused, and where.</summary>
public readonly record struct CommandLineProblem
{
    /// <summary>The rule that failed.</summary>
    public CommandLineError Error { get; internal init; }

    /// <summary>
    /// Byte offset in the input: the first byte that breaks the rule (the value's start for <see cref="CommandLineError.NoDigits"/>
    /// and <see cref="CommandLineError.AddressZero"/>, the parameter's name for <see cref="CommandLineError.ValueMissing"/>,
    /// where the kernel stopped reading parameters for <see cref="CommandLineError.ParameterMissing"/>).
    /// </summary>
    public int Offset { get; internal init; }

    /// <summary>Stable text code, e.g. <c>CDC103</c>.</summary>
    public string Code => CommandLineErrors.GetCode(Error);

    /// <summary>Fixed explanation; never contains input bytes.</summary>
    public string Message => CommandLineErrors.GetMessage(Error);

    /// <summary><c>CODE at offset N: message</c>.</summary>
    /// <returns>The line the tools print.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Code} at offset {Offset}: {Message}");
}
