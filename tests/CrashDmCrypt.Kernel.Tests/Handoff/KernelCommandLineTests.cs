using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class KernelCommandLineTests
{
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
        { "suffix without digits: the kernel takes it as 0", "dmcryptkeys=K", 0, CommandLineError.NoDigits, 0, CommandLineError.None },
        { "trailing junk", "dmcryptkeys=0x1000KB", 0, CommandLineError.TrailingCharacters, 0x400000, CommandLineError.None },
        { "overflow wraps in the kernel", "dmcryptkeys=18446744073709551617", 0, CommandLineError.Overflow, 1, CommandLineError.None },
        { "second = stays in the value", "dmcryptkeys=0x1000=5", 0, CommandLineError.TrailingCharacters, 0x1000, CommandLineError.None },
        { "= at index 0 does not split", "=dmcryptkeys=0x1000", 0, CommandLineError.ParameterMissing, 0, CommandLineError.ParameterMissing },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void Command_line_gives_the_kernel_s_address_or_error(string description, string commandLine, ulong strictAddress, CommandLineError strictError, ulong kernelAddress, CommandLineError kernelError)
    {
        bool strictOk = KernelCommandLine.TryGetDmCryptKeysAddress(commandLine, out ulong address, out CommandLineError error);
        Assert.True((strictError, strictAddress) == (error, address), $"{description}: strict gave {error} 0x{address:x}");
        Assert.Equal(strictError == CommandLineError.None, strictOk);

        bool kernelOk = KernelCommandLine.TryGetDmCryptKeysAddress(commandLine, CommandLineQuirks.Kernel, out address, out error);
        Assert.True((kernelError, kernelAddress) == (error, address), $"{description}: kernel gave {error} 0x{address:x}");
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
        { "18446744073709551616", 0, CommandLineError.Overflow, 0, CommandLineError.None },
        { "0xffffffffffffffff", ulong.MaxValue, CommandLineError.None, ulong.MaxValue, CommandLineError.None },
        { "0x10000000000000000", 0, CommandLineError.Overflow, 0, CommandLineError.None },
        { "0x00000000000000000001", 1, CommandLineError.None, 1, CommandLineError.None },
        { "01777777777777777777777", ulong.MaxValue, CommandLineError.None, ulong.MaxValue, CommandLineError.None },
        { "02000000000000000000000", 0, CommandLineError.Overflow, 0, CommandLineError.None },
        { "0x3fffffffffffffK", ((1UL << 54) - 1) << 10, CommandLineError.None, ((1UL << 54) - 1) << 10, CommandLineError.None },
        { "0x40000000000000K", 0, CommandLineError.SuffixOverflow, 0, CommandLineError.None },
        { "0x40000000000001K", 0, CommandLineError.SuffixOverflow, 1UL << 10, CommandLineError.None },
        { "15E", 15UL << 60, CommandLineError.None, 15UL << 60, CommandLineError.None },
        { "16E", 0, CommandLineError.SuffixOverflow, 0, CommandLineError.None },
        { "17E", 0, CommandLineError.SuffixOverflow, 1UL << 60, CommandLineError.None },
        { "16777215T", 16777215UL << 40, CommandLineError.None, 16777215UL << 40, CommandLineError.None },
        { "16777216T", 0, CommandLineError.SuffixOverflow, 0, CommandLineError.None },

        // No digits.
        { "", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "x", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "-1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "+1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { " 1", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
        { "K", 0, CommandLineError.NoDigits, 0, CommandLineError.None },
        { "Kx", 0, CommandLineError.NoDigits, 0, CommandLineError.None },
        { "\u0661", 0, CommandLineError.NoDigits, 0, CommandLineError.NoDigits },
    };

    [Theory]
    [MemberData(nameof(Numbers))]
    public void Memparse_follows_the_kernel_syntax(string text, ulong strictValue, CommandLineError strictError, ulong kernelValue, CommandLineError kernelError)
    {
        bool strictOk = KernelCommandLine.TryParseMemparse(text, out ulong value, out CommandLineError error);
        Assert.Equal((strictError, strictValue), (error, value));
        Assert.Equal(strictError == CommandLineError.None, strictOk);

        bool kernelOk = KernelCommandLine.TryParseMemparse(text, CommandLineQuirks.Kernel, out value, out error);
        Assert.Equal((kernelError, kernelValue), (error, value));
        Assert.Equal(kernelError == CommandLineError.None, kernelOk);
    }

    [Theory]
    [InlineData("1KB", CommandLineQuirks.IgnoreTrailingCharacters, true)]
    [InlineData("1KB", CommandLineQuirks.WrapOnOverflow | CommandLineQuirks.AcceptSuffixWithoutDigits, false)]
    [InlineData("16E", CommandLineQuirks.WrapOnOverflow, true)]
    [InlineData("16E", CommandLineQuirks.IgnoreTrailingCharacters, false)]
    [InlineData("K", CommandLineQuirks.AcceptSuffixWithoutDigits, true)]
    [InlineData("K", CommandLineQuirks.IgnoreTrailingCharacters, false)]
    public void Each_quirk_relaxes_only_its_own_rule(string text, CommandLineQuirks quirks, bool accepted)
    {
        Assert.Equal(accepted, KernelCommandLine.TryParseMemparse(text, quirks, out _, out _));
    }

    [Theory]
    [InlineData("dmcryptkeys=0x1000 dmcryptkeys", CommandLineQuirks.SkipBareName, true)]
    [InlineData("dmcryptkeys=0x1000 dmcryptkeys", CommandLineQuirks.None, false)]
    [InlineData("dmcryptkeys dmcryptkeys", CommandLineQuirks.SkipBareName, false)]
    [InlineData("dmcryptkeys=0x0", CommandLineQuirks.AllowZeroAddress, true)]
    [InlineData("dmcryptkeys=0x0", CommandLineQuirks.None, false)]
    public void Address_quirks_relax_only_their_own_rule(string commandLine, CommandLineQuirks quirks, bool accepted)
    {
        Assert.Equal(accepted, KernelCommandLine.TryGetDmCryptKeysAddress(commandLine, quirks, out _, out _));
    }

    [Fact]
    public void Bare_names_alone_are_a_missing_value_even_when_skipped()
    {
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress("dmcryptkeys ro", CommandLineQuirks.Kernel, out _, out CommandLineError error));
        Assert.Equal(CommandLineError.ValueMissing, error);
    }

    [Fact]
    public void Undefined_quirks_are_caller_misuse()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryGetDmCryptKeysAddress("dmcryptkeys=1", (CommandLineQuirks)64, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1", (CommandLineQuirks)(-1), out _, out _));
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
    public void TryFormat_reports_a_small_destination_and_fits_the_maximum()
    {
        Span<char> small = stackalloc char[KernelCommandLine.MaxDmCryptKeysParameterLength - 1];
        Assert.False(KernelCommandLine.TryFormatDmCryptKeysParameter(small, ulong.MaxValue, out int written));
        Assert.Equal(0, written);
        Assert.True(KernelCommandLine.TryFormatDmCryptKeysParameter(small, 0x1000, out written));
        Assert.Equal("dmcryptkeys=0x1000 ", small[..written].ToString());

        Span<char> exact = stackalloc char[KernelCommandLine.MaxDmCryptKeysParameterLength];
        Assert.True(KernelCommandLine.TryFormatDmCryptKeysParameter(exact, ulong.MaxValue, out written));
        Assert.Equal(exact.Length, written);
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
            Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress(line, out ulong parsed, out CommandLineError error), $"{line}: {error}");
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
            Assert.True(KernelCommandLine.TryParseMemparse(value.ToString(System.Globalization.CultureInfo.InvariantCulture), out ulong parsed, out _));
            Assert.Equal(value, parsed);
            Assert.True(KernelCommandLine.TryParseMemparse("0" + Convert.ToString((long)value, 8), out parsed, out _));
            Assert.Equal(value, parsed);
        }
    }
}
