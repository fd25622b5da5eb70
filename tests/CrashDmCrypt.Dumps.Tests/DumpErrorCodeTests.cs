using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>spec/ERRORS.md lists every dump code with its name and message, in the 4xx range.</summary>
public class DumpErrorCodeTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(RepoPaths.Spec, "ERRORS.md"));

    public static TheoryData<DumpError> Errors => [.. Enum.GetValues<DumpError>().Where(e => e != DumpError.None)];

    [Theory]
    [MemberData(nameof(Errors))]
    public void Every_code_is_listed_with_its_name_and_message(DumpError error)
    {
        Assert.InRange((int)error, 401, 499);
        string row = $"| {ProblemCode.Format((int)error)} | `{error}` | {DumpErrors.GetMessage(error).Replace("|", "\\|", StringComparison.Ordinal)} |";
        Assert.Contains(row, Lines);
    }
}
