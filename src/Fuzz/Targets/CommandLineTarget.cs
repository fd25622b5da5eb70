using System.Buffers;
using System.Text;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>cmdline</c> target: the input bytes are a kdump kernel command line (as <c>/proc/cmdline</c>; NUL, tabs
/// and 0xA0 all occur). <see cref="KernelCommandLine.TryGetDmCryptKeysAddress(ReadOnlySpan{byte}, CommandLineMode, out ulong, out CommandLineProblem)"/>
/// and <see cref="KernelCommandLine.TryParseMemparse(ReadOnlySpan{byte}, CommandLineMode, out ulong, out CommandLineProblem)"/>
/// run in strict and kernel mode over bytes that end at a guard page. Strict is a narrowing of the
/// kernel's reading (same address whenever strict accepts), every problem's offset lies inside the input, and every
/// address found, written as the loader writes it, parses back to the same value.
/// </summary>
internal static class CommandLineTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        // The bytes in guarded memory: the tail of the work pages ends at the guard page.
        Span<byte> text = FuzzContext.Current.Work.Tail(input.Length);
        input.CopyTo(text);
        CheckCommandLine(text);
        CheckMemparse(text);
    }

    private static void CheckCommandLine(ReadOnlySpan<byte> text)
    {
        bool strictOk = KernelCommandLine.TryGetDmCryptKeysAddress(text, out ulong strictAddress, out CommandLineProblem strictProblem);
        CheckVerdict(strictOk, strictAddress, strictProblem, text.Length, "strict command line");
        bool kernelOk = KernelCommandLine.TryGetDmCryptKeysAddress(text, CommandLineMode.Kernel, out ulong kernelAddress, out CommandLineProblem kernelProblem);
        CheckVerdict(kernelOk, kernelAddress, kernelProblem, text.Length, "kernel command line");

        if (strictOk)
        {
            Check.That(strictAddress != 0, "strict accepted address 0");
            Check.That(kernelOk, $"strict accepted a command line the kernel reading refused ({kernelProblem})");
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
        Span<byte> parameter = stackalloc byte[KernelCommandLine.MaxDmCryptKeysParameterLength];
        Check.That(KernelCommandLine.WriteDmCryptKeysParameter(address, parameter, out int length, out _) == OperationStatus.Done, "write into a maximum-size destination");
        parameter = parameter[..length];
        Check.That(parameter.StartsWith("dmcryptkeys=0x"u8) && parameter[^1] == (byte)' ', "written parameter shape");
        Check.That(Encoding.ASCII.GetString(parameter) == KernelCommandLine.FormatDmCryptKeysParameter(address), "Write and Format differ");
        Span<byte> line = stackalloc byte[128];
        foreach (string context in (ReadOnlySpan<string>)["", "elfcorehdr=0x1000 |irqpoll nr_cpus=1", "dmcryptkeys=1 |"])
        {
            string[] parts = context.Length == 0 ? ["", ""] : context.Split('|');
            int n = Encoding.ASCII.GetBytes(parts[0], line);
            parameter.CopyTo(line[n..]);
            n += parameter.Length;
            n += Encoding.ASCII.GetBytes(parts[1], line[n..]);
            bool ok = KernelCommandLine.TryGetDmCryptKeysAddress(line[..n], out ulong again, out CommandLineProblem problem);
            Check.That(ok, $"the written parameter did not parse back ({problem})");
            Check.Equal(address, again, "address after write and parse");
        }

        Span<byte> tooSmall = stackalloc byte[length - 1];
        Check.That(KernelCommandLine.WriteDmCryptKeysParameter(address, tooSmall, out int written, out _) == OperationStatus.DestinationTooSmall && written == 0, "Write into a destination one byte short");
    }

    private static void CheckMemparse(ReadOnlySpan<byte> text)
    {
        bool strictOk = KernelCommandLine.TryParseMemparse(text, out ulong strictValue, out CommandLineProblem strictProblem);
        CheckVerdict(strictOk, strictValue, strictProblem, text.Length, "strict memparse");
        bool kernelOk = KernelCommandLine.TryParseMemparse(text, CommandLineMode.Kernel, out ulong kernelValue, out CommandLineProblem kernelProblem);
        CheckVerdict(kernelOk, kernelValue, kernelProblem, text.Length, "kernel memparse");
        if (!strictOk)
        {
            return;
        }

        Check.That(kernelOk, $"strict memparse accepted what the kernel reading refused ({kernelProblem})");
        Check.Equal(strictValue, kernelValue, "strict and kernel memparse value");

        // The value in each base memparse knows reads back the same.
        Span<byte> buffer = stackalloc byte[32];
        foreach (char format in (ReadOnlySpan<char>)['x', 'D'])
        {
            int prefix = 0;
            if (format == 'x')
            {
                "0x"u8.CopyTo(buffer);
                prefix = 2;
            }

            Check.That(System.Buffers.Text.Utf8Formatter.TryFormat(strictValue, buffer[prefix..], out int digits, new StandardFormat(format)), "format");
            ReadOnlySpan<byte> number = buffer[..(prefix + digits)];
            Check.That(KernelCommandLine.TryParseMemparse(number, out ulong again, out CommandLineProblem problem), $"memparse refused its own value formatted with {format} ({problem})");
            Check.Equal(strictValue, again, "memparse value after format " + format);
        }
    }

    private static void CheckVerdict(bool ok, ulong value, CommandLineProblem problem, int length, string label)
    {
        Check.That(Enum.IsDefined(problem.Error), $"{label}: undefined error {(int)problem.Error}");
        Check.Equal(ok, problem.Error == CommandLineError.None, label + " verdict against error");
        Check.That(problem.Offset >= 0 && problem.Offset <= length, $"{label}: {problem.Code} offset {problem.Offset} outside [0, {length}]");
        if (!ok)
        {
            Check.Equal(0UL, value, label + " value on failure");
        }

        Check.That(problem.Message != "unknown error", $"{label}: no message for {problem.Error}");
    }
}
