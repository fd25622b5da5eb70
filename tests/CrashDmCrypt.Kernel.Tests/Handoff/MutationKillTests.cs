using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// Behaviour that mutants survived in the first Stryker run (eng/mutation.sh handoff): each test names the
/// rule it pins down. See eng/stryker/README.md.
/// </summary>
public class MutationKillTests
{
    [Fact]
    public void Every_command_line_error_has_its_own_message_and_unknown_values_say_so()
    {
        CommandLineError[] errors = Enum.GetValues<CommandLineError>();
        foreach (CommandLineError error in errors)
        {
            string message = CommandLineErrors.GetMessage(error);
            Assert.False(string.IsNullOrWhiteSpace(message), error.ToString());
            Assert.NotEqual("unknown error", message);
        }

        Assert.Equal(errors.Length, errors.Select(CommandLineErrors.GetMessage).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("unknown error", CommandLineErrors.GetMessage((CommandLineError)199));
    }

    [Fact]
    public void A_line_that_starts_with_NUL_is_empty()
    {
        // The kernel's string ends at its first NUL, also at offset 0: nothing after it is a parameter.
        Assert.False(KernelCommandLine.TryGetDmCryptKeysAddress("\0dmcryptkeys=0x1000"u8, out _, out CommandLineProblem problem));
        Assert.Equal(new CommandLineProblem { Error = CommandLineError.ParameterMissing, Offset = 0 }, problem);
    }

    [Theory]
    [InlineData("dmcryptkeys=0x1000 \"")]
    [InlineData("dmcryptkeys=0x1000 \"\"")]
    public void A_lone_quote_is_an_empty_parameter(string line)
    {
        // next_arg on '"' alone: an empty name, no closing quote to strip before it.
        Assert.True(KernelCommandLine.TryGetDmCryptKeysAddress(System.Text.Encoding.Latin1.GetBytes(line), out ulong address, out _));
        Assert.Equal(0x1000UL, address);
    }

    [Fact]
    public void A_bare_parameter_s_value_offset_is_the_end_of_its_name()
    {
        var tokenizer = new KernelParameterTokenizer("ro quiet"u8);
        Assert.True(tokenizer.MoveNext(out _));
        Assert.True(tokenizer.MoveNext(out KernelParameter parameter));
        Assert.False(parameter.HasValue);
        Assert.Equal(3, parameter.NameOffset);
        Assert.Equal(8, parameter.ValueOffset);
    }

    [Theory]
    [InlineData("1`")]
    [InlineData("1@")]
    [InlineData("0x1h")]
    [InlineData("0x1H")]
    public void Only_0_to_9_and_a_to_f_are_digits(string text)
    {
        // _parse_integer_limit: a byte whose lower-case form lies below 'a' ('`' is 'a' - 1, '@' | 0x20 is '`') is no digit.
        Assert.False(KernelCommandLine.TryParseMemparse(System.Text.Encoding.ASCII.GetBytes(text), out _, out CommandLineProblem problem));
        Assert.Equal(CommandLineError.TrailingCharacters, problem.Error);
        Assert.Equal(text.Length - 1, problem.Offset);
    }

    [Fact]
    public void An_undefined_quirk_is_a_caller_bug_named_in_the_exception()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KernelCommandLine.TryParseMemparse("1"u8, (CommandLineQuirks)0x4000_0000, out _, out _));
        Assert.Equal("quirks", e.ParamName);
        Assert.Contains("quirk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Caller_bugs_of_the_device_tree_api_name_the_argument_and_the_rule()
    {
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.TryReadDmCryptKeys([], (DeviceTreeMode)7, out _, out _));
        Assert.Contains("mode", mode.Message, StringComparison.Ordinal);
        var cells = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.GetDmCryptKeysPropertyLength(3, 1));
        Assert.Equal("addressCells", cells.ParamName);
        Assert.Contains("1 or 2", cells.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildDtb_names_the_value_that_does_not_fit()
    {
        Assert.Equal("size", Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(0x1000, 1UL << 32, 2, 1)).ParamName);
        Assert.Equal("address", Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTree.BuildDtb(1UL << 32, 0x1000, 1, 2)).ParamName);
    }

    [Fact]
    public void Four_bytes_are_enough_to_refuse_a_bad_magic()
    {
        Assert.False(DeviceTree.TryReadDmCryptKeys(new byte[4], out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.BadMagic, Offset = 0 }, problem);
    }

    [Fact]
    public void The_version_is_checked_as_soon_as_its_words_are_there()
    {
        // 28 bytes reach last_comp_version: an old version is reported before the rest of the header is missed.
        byte[] dtb = new byte[FdtLayout.VersionPrefixSize];
        BinaryPrimitives.WriteUInt32BigEndian(dtb, FdtLayout.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(dtb.AsSpan(FdtLayout.VersionOffset), 15);
        Assert.False(DeviceTree.TryReadDmCryptKeys(dtb, out _, out DeviceTreeProblem problem));
        Assert.Equal(new DeviceTreeProblem { Error = DeviceTreeError.UnsupportedVersion, Offset = FdtLayout.VersionOffset }, problem);
    }
}
