using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests;

/// <summary>spec/ERRORS.md lists every code once, with the name and the message the code defines; codes sit in their range.</summary>
public class ProblemCodeTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(RepoPaths.Spec, "ERRORS.md"));

    public static TheoryData<string, string, string> Codes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (KeyBlobError e in Enum.GetValues<KeyBlobError>().Where(e => e != KeyBlobError.None))
        {
            data.Add(KeyBlobErrors.GetCode(e), e.ToString(), KeyBlobErrors.GetMessage(e));
        }

        foreach (CommandLineError e in Enum.GetValues<CommandLineError>().Where(e => e != CommandLineError.None))
        {
            data.Add(CommandLineErrors.GetCode(e), e.ToString(), CommandLineErrors.GetMessage(e));
        }

        foreach (ConfigfsStatus e in Enum.GetValues<ConfigfsStatus>().Where(e => e != ConfigfsStatus.Ok))
        {
            data.Add(ProblemCode.Format((int)e), e.ToString(), string.Empty);
        }

        foreach (CrashDmCrypt.Kernel.Keyring.KeyringStatus e in Enum.GetValues<CrashDmCrypt.Kernel.Keyring.KeyringStatus>().Where(e => e != CrashDmCrypt.Kernel.Keyring.KeyringStatus.Ok))
        {
            // The words are the tool's (KeyringText), checked against this file by the CLI's tests.
            data.Add(ProblemCode.Format((int)e), e.ToString(), string.Empty);
        }

        foreach (ConfigfsWarnings e in Enum.GetValues<ConfigfsWarnings>().Where(e => e != ConfigfsWarnings.None))
        {
            data.Add(ConfigfsWarningCodes.GetCode(e), e.ToString(), string.Empty);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_code_is_listed_with_its_name_and_message(string code, string name, string message)
    {
        string row = $"| {code} | `{name}` | {message.Replace("|", "\\|", StringComparison.Ordinal)}";
        Assert.True(Lines.Any(l => l.StartsWith(row, StringComparison.Ordinal)), $"spec/ERRORS.md lacks the row: {row} |");
    }

    [Fact]
    public void Codes_are_unique_and_in_their_range()
    {
        Assert.All(Enum.GetValues<KeyBlobError>(), e => Assert.InRange((int)e, 0, 99));
        Assert.All(Enum.GetValues<CommandLineError>().Where(e => e != CommandLineError.None), e => Assert.InRange((int)e, 101, 199));
        Assert.All(Enum.GetValues<ConfigfsStatus>().Where(e => e != ConfigfsStatus.Ok), e => Assert.InRange((int)e, 301, 349));
        int[] all = [.. Enum.GetValues<KeyBlobError>().Select(e => (int)e), .. Enum.GetValues<CommandLineError>().Select(e => (int)e), .. Enum.GetValues<ConfigfsStatus>().Select(e => (int)e)];
        Assert.Equal(all.Count(n => n != 0), all.Where(n => n != 0).Distinct().Count());
        Assert.Equal("CDC006", ProblemCode.Format(6));
        Assert.Equal("CDC107", new CommandLineProblem { Error = CommandLineError.AddressZero }.Code);
    }
}
