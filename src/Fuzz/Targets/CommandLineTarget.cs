using System.Runtime.InteropServices;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>cmdline</c> target: the input, one byte a character (Latin-1, so NUL, tabs and U+00A0 all occur), is a
/// kdump kernel command line. <see cref="KernelCommandLine.TryGetDmCryptKeysAddress(ReadOnlySpan{char}, CommandLineQuirks, out ulong, out CommandLineError)"/>
/// and <see cref="KernelCommandLine.TryParseMemparse(ReadOnlySpan{char}, CommandLineQuirks, out ulong, out CommandLineError)"/>
/// run strict and with the kernel's quirks over characters that end at a guard page. Strict is a narrowing of the
/// kernel's reading (same address whenever strict accepts), and every address found, formatted as the loader
/// writes it, parses back to the same value.
/// </summary>
internal static class CommandLineTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        // Characters in guarded memory too: the tail of the work pages ends at the guard page.
        Span<char> text = MemoryMarshal.Cast<byte, char>(FuzzContext.Current.Work.Tail(input.Length * sizeof(char)));
        for (int i = 0; i < input.Length; i++)
        {
            text[i] = (char)input[i];
        }

        CheckCommandLine(text);
        CheckMemparse(text);
    }

    private static void CheckCommandLine(ReadOnlySpan<char> text)
    {
        bool strictOk = KernelCommandLine.TryGetDmCryptKeysAddress(text, out ulong strictAddress, out CommandLineError strictError);
        CheckVerdict(strictOk, strictAddress, strictError, "strict command line");
        bool kernelOk = KernelCommandLine.TryGetDmCryptKeysAddress(text, CommandLineQuirks.Kernel, out ulong kernelAddress, out CommandLineError kernelError);
        CheckVerdict(kernelOk, kernelAddress, kernelError, "kernel command line");

        if (strictOk)
        {
            Check.That(strictAddress != 0, "strict accepted address 0");
            Check.That(kernelOk, $"strict accepted a command line the kernel reading refused ({kernelError})");
            Check.Equal(strictAddress, kernelAddress, "strict and kernel address");
        }

        // Whatever the strict reading found, the loader's own text for it reads back to the same address,
        // alone and between the parameters a kdump command line carries.
        if (strictOk)
        {
            RoundTrip(strictAddress);
        }

        if (kernelOk && kernelAddress != 0)
        {
            RoundTrip(kernelAddress);
        }
    }

    private static void RoundTrip(ulong address)
    {
        string parameter = KernelCommandLine.FormatDmCryptKeysParameter(address);
        Check.That(parameter.Length <= KernelCommandLine.MaxDmCryptKeysParameterLength, "formatted parameter longer than its maximum");
        Check.That(parameter.StartsWith("dmcryptkeys=0x", StringComparison.Ordinal) && parameter.EndsWith(' '), "formatted parameter shape");
        foreach (string line in (ReadOnlySpan<string>)[parameter, "elfcorehdr=0x1000 " + parameter + "irqpoll nr_cpus=1", "dmcryptkeys=1 " + parameter])
        {
            bool ok = KernelCommandLine.TryGetDmCryptKeysAddress(line, out ulong again, out CommandLineError error);
            Check.That(ok, $"the formatted parameter did not parse back ({error})");
            Check.Equal(address, again, "address after format and parse");
        }

        Span<char> tooSmall = stackalloc char[parameter.Length - 1];
        Check.That(!KernelCommandLine.TryFormatDmCryptKeysParameter(tooSmall, address, out int written) && written == 0, "TryFormat into a destination one char short");
    }

    private static void CheckMemparse(ReadOnlySpan<char> text)
    {
        bool strictOk = KernelCommandLine.TryParseMemparse(text, out ulong strictValue, out CommandLineError strictError);
        CheckVerdict(strictOk, strictValue, strictError, "strict memparse");
        bool kernelOk = KernelCommandLine.TryParseMemparse(text, CommandLineQuirks.Kernel, out ulong kernelValue, out CommandLineError kernelError);
        CheckVerdict(kernelOk, kernelValue, kernelError, "kernel memparse");
        if (!strictOk)
        {
            return;
        }

        Check.That(kernelOk, $"strict memparse accepted what the kernel reading refused ({kernelError})");
        Check.Equal(strictValue, kernelValue, "strict and kernel memparse value");

        // The value in each base memparse knows reads back the same.
        Span<char> buffer = stackalloc char[32];
        foreach (string format in (ReadOnlySpan<string>)["x", "D"])
        {
            int prefix = 0;
            if (format == "x")
            {
                "0x".CopyTo(buffer);
                prefix = 2;
            }

            Check.That(strictValue.TryFormat(buffer[prefix..], out int digits, format, System.Globalization.CultureInfo.InvariantCulture), "format");
            ReadOnlySpan<char> number = buffer[..(prefix + digits)];
            Check.That(KernelCommandLine.TryParseMemparse(number, out ulong again, out CommandLineError error), $"memparse refused its own value formatted with {format} ({error})");
            Check.Equal(strictValue, again, "memparse value after format " + format);
        }
    }

    private static void CheckVerdict(bool ok, ulong value, CommandLineError error, string label)
    {
        Check.That(Enum.IsDefined(error), $"{label}: undefined error {(int)error}");
        Check.Equal(ok, error == CommandLineError.None, label + " verdict against error");
        if (!ok)
        {
            Check.Equal(0UL, value, label + " value on failure");
        }

        Check.That(HandoffErrors.GetMessage(error) != "unknown error", $"{label}: no message for {error}");
    }
}
