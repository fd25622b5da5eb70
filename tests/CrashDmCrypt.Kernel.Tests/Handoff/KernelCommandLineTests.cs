using System.Buffers;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class KernelCommandLineTests
{
    // Test lines are written as strings of characters up to U+00FF, one byte each (Latin-1), so "\u00a0" is the byte 0xA0.
    private static byte[] B(string text) => System.Text.Encoding.Latin1.GetBytes(text);

    // (description, command line, strict address or error, kernel-quirks address or error)
    public static TheoryData<string, string, ulong, CommandLineError, ulong, CommandLineError> CommandLines => new()
    {
        { "alone", "dmcryptkeys=0x1000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "as the x86 loader writes it", "elfcorehdr=0x7f000000 dmcryptkeys=0x7e001000 ro console=ttyS0", 0x7e001000, CommandLineError.None, 0x7e001000, CommandLineError.None },
        { "as /proc/cmdline ends", "BOOT_IMAGE=/vmlinuz dmcryptkeys=0x7e001000\n", 0x7e001000, CommandLineError.None, 0x7e001000, CommandLineError.None },
        { "tabs and newlines separate", "\tro\ndmcryptkeys=0x2000\r\n", 0x2000, CommandLineError.None, 0x2000, CommandLineError.None },
        { "NBSP (0xa0) separates, as the kernel's isspace", "ro\u00a0dmcryptkeys=0x2000", 0x2000, CommandLineError.None, 0x2000, CommandLineError.None },
        { "last occurrence wins", "dmcryptkeys=0x1000 dmcryptkeys=0x2000", 0x2000, CommandLineError.None, 0x2000, CommandLineError.None },
        { "a later invalid value wins over a valid one", "dmcryptkeys=0x1000 dmcryptkeys=zz", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "a later valid value wins over an invalid one", "dmcryptkeys=zz dmcryptkeys=0x1000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "a user value after the loader's wins", "elfcorehdr=0x1 dmcryptkeys=0x1000 dmcryptkeys=0x3000", 0x3000, CommandLineError.None, 0x3000, CommandLineError.None },
        { "quotes around the whole parameter", "\"dmcryptkeys=0x1000\"", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "quotes around the value", "dmcryptkeys=\"0x1000\"", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "a quoted value with a space", "dmcryptkeys=\"0x1000 x\" ro", 0, CommandLineError.TrailingCharacters, 0x1000, CommandLineError.None },
        { "an unclosed quote runs to the end", "dmcryptkeys=\"0x1000 ro", 0, CommandLineError.TrailingCharacters, 0x1000, CommandLineError.None },
        { "a lone quote is an empty value", "dmcryptkeys=\"", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "inside another parameter's quoted value", "foo=\"a dmcryptkeys=0x1000\"", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "name merely ends with it", "xdmcryptkeys=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "name merely starts with it", "dmcryptkeysx=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "name is case-sensitive", "DMCRYPTKEYS=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "after -- it belongs to init", "ro -- dmcryptkeys=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "before -- it counts, after it does not", "dmcryptkeys=0x1000 -- dmcryptkeys=0x2000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "a quoted -- also ends the parameters", "\"--\" dmcryptkeys=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "--=x is a parameter, not the end", "--=x dmcryptkeys=0x1000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "--- is a parameter, not the end", "--- dmcryptkeys=0x1000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "a NUL ends the line", "dmcryptkeys=0x1000\0dmcryptkeys=0x2000", 0x1000, CommandLineError.None, 0x1000, CommandLineError.None },
        { "empty line", "", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "only spaces", "   \n", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
        { "empty value", "dmcryptkeys=", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "bare name", "dmcryptkeys", 0, CommandLineError.ValueMissing, 0, CommandLineError.ValueMissing },
        { "bare name after a value: strict refuses, the kernel keeps the value", "dmcryptkeys=0x1000 dmcryptkeys", 0, CommandLineError.ValueMissing, 0x1000, CommandLineError.None },
        { "address 0", "dmcryptkeys=0", 0, CommandLineError.AddressZero, 0, CommandLineError.None },
        { "suffix without digits: not consumed (lib/cmdline.c:189), so setup_dmcryptkeys fails and leaves 0", "dmcryptkeys=K", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "trailing junk", "dmcryptkeys=0x1000KB", 0, CommandLineError.TrailingCharacters, 0x400000, CommandLineError.None },
        { "overflow saturates in the kernel (lib/kstrtox.c:83-88)", "dmcryptkeys=18446744073709551617", 0, CommandLineError.Overflow, ulong.MaxValue, CommandLineError.None },
        { "second = stays in the value", "dmcryptkeys=0x1000=5", 0, CommandLineError.TrailingCharacters, 0x1000, CommandLineError.None },
        { "= at index 0 does not split", "=dmcryptkeys=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void Command_line_gives_the_kernel_s_address_or_error(string description, string commandLine, ulong strictAddress, CommandLineError strictError, ulong kernelAddress, CommandLineError kernelError)
    {
        bool strictOk = KernelCommandLine.TryGetDmCryptKeysAddress(B(commandLine), out ulong address, out CommandLineProblem problem);
        Assert.True((strictError, strictAddress) == (problem.Error, address), $"{description}: strict gave {problem} 0x{address:x}");
        Assert.Equal(strictError == CommandLineError.None, strictOk);
        Assert.InRange(problem.Offset, 0, commandLine.Length);

        bool kernelOk = KernelCommandLine.TryGetDmCryptKeysAddress(B(commandLine), CommandLineMode.Kernel, out address, out problem);
        Assert.True((kernelError, kernelAddress) == (problem.Error, address), $"{description}: kernel gave {problem} 0x{address:x}");
        Assert.Equal(kernelError == CommandLineError.None, kernelOk);
    }

    // (text, strict value or error, kernel-quirks value or error)
    public static TheoryData<string, ulong, CommandLineError, ulong, CommandLineError> Numbers => new()
    {
        { "0", 0, CommandLineError.None, 0, CommandLineError.None },
        { "9", 9, CommandLineError.None, 9, CommandLineError.None },
        { "10", 10, CommandLineError.None, 10, CommandLineError.None },
        { "010", 8, CommandLineError.None, 8, CommandLineError.None },
        { "07", 7, CommandLineError.None, 7, CommandLineError.None },
        { "08", 0, CommandLineError.TrailingCharacters, 0, CommandLineError.None },
        { "0x10", 16, CommandLineError.None, 16, CommandLineError.None },
        { "0X10", 16, CommandLineError.None, 16, CommandLineError.None },
        { "0xABCdef", 0xabcdef, CommandLineError.None, 0xabcdef, CommandLineError.None },
        { "0x0", 0, CommandLineError.None, 0, CommandLineError.None },
        { "0x", 0, CommandLineError.TrailingCharacters, 0, CommandLineError.None },
        { "0xg", 0, CommandLineError.TrailingCharacters, 0, CommandLineError.None },
        { "0x1g", 1UL << 30, CommandLineError.None, 1UL << 30, CommandLineError.None },
        { "0x1z", 0, CommandLineError.TrailingCharacters, 1, CommandLineError.None },
        { "1k", 1UL << 10, CommandLineError.None, 1UL << 10, CommandLineError.None },
        { "1K", 1UL << 10, CommandLineError.None, 1UL << 10, CommandLineError.None },
        { "1m", 1UL << 20, CommandLineError.None, 1UL << 20, CommandLineError.None },
        { "1M", 1UL << 20, CommandLineError.None, 1UL << 20, CommandLineError.None },
        { "1g", 1UL << 30, CommandLineError.None, 1UL << 30, CommandLineError.None },
        { "1G", 1UL << 30, CommandLineError.None, 1UL << 30, CommandLineError.None },
        { "1t", 1UL << 40, CommandLineError.None, 1UL << 40, CommandLineError.None },
        { "1T", 1UL << 40, CommandLineError.None, 1UL << 40, CommandLineError.None },
        { "1p", 1UL << 50, CommandLineError.None, 1UL << 50, CommandLineError.None },
        { "1P", 1UL << 50, CommandLineError.None, 1UL << 50, CommandLineError.None },
        { "1e", 1UL << 60, CommandLineError.None, 1UL << 60, CommandLineError.None },
        { "1E", 1UL << 60, CommandLineError.None, 1UL << 60, CommandLineError.None },
        { "0x1E", 0x1e, CommandLineError.None, 0x1e, CommandLineError.None },
        { "017K", 15UL << 10, CommandLineError.None, 15UL << 10, CommandLineError.None },
        { "1KB", 0, CommandLineError.TrailingCharacters, 1UL << 10, CommandLineError.None },
        { "1kk", 0, CommandLineError.TrailingCharacters, 1UL << 10, CommandLineError.None },
        { "1 ", 0, CommandLineError.TrailingCharacters, 1, CommandLineError.None },

        // 64-bit boundary pairs: the largest value, then one more.
        { "18446744073709551615", ulong.MaxValue, CommandLineError.None, ulong.MaxValue, CommandLineError.None },
        { "18446744073709551616", 0, CommandLineError.Overflow, ulong.MaxValue, CommandLineError.None },  // lib/kstrtox.c:83-88 saturates
        { "99999999999999999999999", 0, CommandLineError.Overflow, ulong.MaxValue, CommandLineError.None },
        { "0xffffffffffffffffG", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },  // lib/cmdline.c:191-192
        { "0xffffffffffffffff", ulong.MaxValue, CommandLineError.None, ulong.MaxValue, CommandLineError.None },
        { "0x10000000000000000", 0, CommandLineError.Overflow, ulong.MaxValue, CommandLineError.None },
        { "0x00000000000000000001", 1, CommandLineError.None, 1, CommandLineError.None },
        { "01777777777777777777777", ulong.MaxValue, CommandLineError.None, ulong.MaxValue, CommandLineError.None },
        { "02000000000000000000000", 0, CommandLineError.Overflow, ulong.MaxValue, CommandLineError.None },
        { "0x3fffffffffffffK", ((1UL << 54) - 1) << 10, CommandLineError.None, ((1UL << 54) - 1) << 10, CommandLineError.None },
        { "0x40000000000000K", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },
        { "0x40000000000001K", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },
        { "15E", 15UL << 60, CommandLineError.None, 15UL << 60, CommandLineError.None },
        { "16E", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },
        { "17E", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },
        { "16777215T", 16777215UL << 40, CommandLineError.None, 16777215UL << 40, CommandLineError.None },
        { "16777216T", 0, CommandLineError.SuffixOverflow, ulong.MaxValue, CommandLineError.None },

        // No digits.
        { "", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "x", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "-1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "+1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { " 1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "K", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },  // lib/cmdline.c:189: no suffix without digits
        { "Kx", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "\u0661", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Memparse_follows_the_kernel_syntax(string text, ulong strictValue, CommandLineError strictError, ulong kernelValue, CommandLineError kernelError)
    {
        bool strictOk = KernelCommandLine.TryParseMemparse(B(text), out ulong value, out CommandLineProblem problem);
        Assert.Equal((strictError, strictValue), (problem.Error, value));
        Assert.Equal(strictError == CommandLineError.None, strictOk);

        bool kernelOk = KernelCommandLine.TryParseMemparse(B(text), CommandLineMode.Kernel, out value, out problem);
        Assert.Equal((kernelError, kernelValue), (problem.Error, value));
        Assert.Equal(kernelError == CommandLineError.None, kernelOk);
    }

    [Theory]
    [InlineData("1KB", (int)CommandLineRelaxations.IgnoreTrailingCharacters, true)]
    [InlineData("1KB", (int)CommandLineRelaxations.SaturateOnOverflow, false)]
    [InlineData("16E", (int)CommandLineRelaxations.SaturateOnOverflow, true)]
    [InlineData("16E", (int)CommandLineRelaxations.IgnoreTrailingCharacters, false)]
    [InlineData("K", (int)CommandLineRelaxations.Kernel, false)]
    [InlineData("K", (int)CommandLineRelaxations.IgnoreTrailingCharacters, false)]
    public void Each_relaxation_relaxes_only_its_own_rule(string text, int relaxation, bool accepted)
    {
        Assert.Equal(accepted, KernelCommandLine.TryParseMemparse(B(text), (CommandLineRelaxations)relaxation, out _, out _));
    }

    [Theory]
    [InlineData("dmcryptkeys=0x1000 dmcryptkeys", (int)CommandLineRelaxations.SkipBareName, true)]
    [InlineData("dmcryptkeys=0x1000 dmcryptkeys", (int)CommandLineRelaxations.None, false)]
    [InlineData("dmcryptkeys dmcryptkeys", (int)CommandLineRelaxations.SkipBareName, false)]
    [InlineData("dmcryptkeys=0x0", (int)CommandLineRelaxations.AllowZeroAddress, true)]
    [InlineData("dmcryptkeys=0x0", (int)CommandLineRelaxations.None, false)]
    public void Address_relaxations_relax_only_their_own_rule(string commandLine, int relaxation, bool accepted)
    {
        Assert.Equal(accepted, KernelCommandLine.TryGetDmCryptKeysAddress(B(commandLine), (CommandLineRelaxations)relaxation, out _, out _));
    }

    [Fact]
    public void Bare_names_alone_are_a_missing_value_even_when_skipped()
    {
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress("dmcryptkeys ro"u8, CommandLineMode.Kernel, out _, out CommandLineProblem problem));
        Assert.Equal(new CommandLineProblem { Error = CommandLineError.ValueMissing, Offset = 0 }, problem);
    }

    [Fact]
    public void Undefined_modes_and_relaxations_are_caller_misuse()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryGetDmCryptKeysAddress("dmcryptkeys=1"u8, (CommandLineMode)2, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1"u8, (CommandLineMode)(-1), out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryGetDmCryptKeysAddress("dmcryptkeys=1"u8, (CommandLineRelaxations)64, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1"u8, (CommandLineRelaxations)(-1), out _, out _));
    }

    [Theory]
    [InlineData(0x1000UL, "dmcryptkeys=0x1000 ")]
    [InlineData(0x7e001000UL, "dmcryptkeys=0x7e001000 ")]
    [InlineData(1UL, "dmcryptkeys=0x1 ")]
    [InlineData(0xABCDEF000UL, "dmcryptkeys=0xabcdef000 ")]
    [InlineData(ulong.MaxValue, "dmcryptkeys=0xffffffffffffffff ")]
    public void Format_writes_the_x86_loader_s_token(ulong address, string expected)
    {
        Assert.Equal(expected, KernelCommandLine.FormatDmCryptKeysParameter(address));
    }

    [Fact]
    public void Format_refuses_address_zero_because_the_loader_writes_nothing_then()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.FormatDmCryptKeysParameter(0));
    }

    [Fact]
    public void Write_reports_a_small_destination_and_fits_the_maximum()
    {
        Span<byte> small = stackalloc byte[KernelCommandLine.MaxDmCryptKeysParameterLength - 1];
        small.Fill(0xA5);
        Assert.Equal(OperationStatus.DestinationTooSmall, KernelCommandLine.WriteDmCryptKeysParameter(ulong.MaxValue, small, out int written, out _));
        Assert.Equal(0, written);
        Assert.True(small.IndexOfAnyExcept((byte)0xA5) < 0);
        Assert.Equal(OperationStatus.Done, KernelCommandLine.WriteDmCryptKeysParameter(0x1000, small, out written, out _));
        Assert.Equal("dmcryptkeys=0x1000 "u8.ToArray(), small[..written].ToArray());

        Span<byte> exact = stackalloc byte[KernelCommandLine.MaxDmCryptKeysParameterLength];
        Assert.Equal(OperationStatus.Done, KernelCommandLine.WriteDmCryptKeysParameter(ulong.MaxValue, exact, out written, out _));
        Assert.Equal(exact.Length, written);

        Assert.Equal(OperationStatus.InvalidData, KernelCommandLine.WriteDmCryptKeysParameter(0, exact, out written, out CommandLineProblem problem));
        Assert.Equal((0, CommandLineError.AddressZero, "CDC107"), (written, problem.Error, problem.Code));
    }

    // Issue 12: the kernel reads bytes. 0xA0 alone is a space; inside UTF-8 (C2 A0, U+00A0) its second byte still is.
    [Fact]
    public void Bytes_decide_not_characters()
    {
        Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress([.. "ro"u8, 0xA0, .. "dmcryptkeys=0x2000"u8], out ulong address, out _));
        Assert.Equal(0x2000UL, address);
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes("dmcryptkeys=0x2000\u00a0x");
        Assert.Equal([0xC2, 0xA0], utf8[18..20]);
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress(utf8, out _, out CommandLineProblem problem));
        Assert.Equal(new CommandLineProblem { Error = CommandLineError.TrailingCharacters, Offset = 18 }, problem);
        Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress(utf8, CommandLineMode.Kernel, out address, out _));
        Assert.Equal(0x2000UL, address);
    }

    [Theory]
    [InlineData("dmcryptkeys=0x1000KB", CommandLineError.TrailingCharacters, 19)]
    [InlineData("ro dmcryptkeys=zz", CommandLineError.NoDigits, 15)]
    [InlineData("ro dmcryptkeys", CommandLineError.ValueMissing, 3)]
    [InlineData("ro  ", CommandLineError.ParameterMissing, 4)]
    [InlineData("ro -- dmcryptkeys=1", CommandLineError.ParameterMissing, 3)]
    [InlineData("dmcryptkeys=\"0\"", CommandLineError.AddressZero, 13)]
    [InlineData("dmcryptkeys=18446744073709551617", CommandLineError.Overflow, 31)]
    [InlineData("dmcryptkeys=16E", CommandLineError.SuffixOverflow, 14)]
    public void Problems_carry_the_byte_offset_and_a_code(string commandLine, CommandLineError error, int offset)
    {
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress(B(commandLine), out _, out CommandLineProblem problem));
        Assert.Equal(new CommandLineProblem { Error = error, Offset = offset }, problem);
        Assert.Equal($"CDC{(int)error}", problem.Code);
        Assert.StartsWith($"CDC{(int)error} at offset {offset}: ", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Format_then_parse_gives_back_the_address_for_random_addresses()
    {
        var random = new Random(20260128);
        for (int i = 0; i < 2000; i++)
        {
            // Spread over every bit length, aligned or not, as the loader's 4 KiB alignment is not assumed here.
            ulong address = (ulong)random.NextInt64() >> random.Next(0, 63);
            address = address == 0 ? 1 : address;
            string line = "elfcorehdr=0x7f000000 " + KernelCommandLine.FormatDmCryptKeysParameter(address) + "ro quiet";
            Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress(B(line), out ulong parsed, out CommandLineProblem problem), $"{line}: {problem}");
            Assert.Equal(address, parsed);
        }
    }

    [Fact]
    public void Memparse_decimal_and_octal_round_trip_for_random_values()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            ulong value = ((ulong)random.NextInt64() << 1) | (uint)random.Next(2);
            Assert.True(KernelCommandLine.TryParseMemparse(B(value.ToString(System.Globalization.CultureInfo.InvariantCulture)), out ulong parsed, out _));
            Assert.Equal(value, parsed);
            Assert.True(KernelCommandLine.TryParseMemparse(B("0" + Convert.ToString((long)value, 8)), out parsed, out _));
            Assert.Equal(value, parsed);
        }
    }

    // Hostile 16 MiB lines (the most the CLI reads): many parameters, one huge quoted value, runs of '='. The parser makes
    // one forward pass; a quadratic one would not finish. The wait is a hang guard, not a timing assertion.
    [Theory]
    [InlineData("dmcryptkeys=1 ", 1UL, CommandLineError.None)]
    [InlineData("\"", 0UL, CommandLineError.ParameterMissing)]
    [InlineData("=", 0UL, CommandLineError.ParameterMissing)]
    [InlineData("dmcryptkeys=0x1\"=", 1UL, CommandLineError.None)]
    public async Task A_16_MiB_hostile_line_is_read_in_one_pass(string unit, ulong expectedAddress, CommandLineError expectedError)
    {
        byte[] line = new byte[16 << 20];
        byte[] pattern = B(unit);
        for (int i = 0; i < line.Length; i++)
        {
            line[i] = pattern[i % pattern.Length];
        }

        (ulong Address, CommandLineError Error) result = await Task.Run(() =>
        {
            KernelCommandLine.TryGetDmCryptKeysAddress(line, CommandLineMode.Kernel, out ulong address, out CommandLineProblem problem);
            return (address, problem.Error);
        }).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal((expectedAddress, expectedError), result);
    }
}
