using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// The tool's words for results the libraries return as data: spec/ERRORS.md lists every 5xx and 6xx code with the
/// message the tool prints for it, and an errno reads as its name and the C library's text.
/// </summary>
public class ResultTextTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(RepoPaths.Spec, "ERRORS.md"));

    public static TheoryData<string, string, string> Codes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (KeyringStatus e in Enum.GetValues<KeyringStatus>().Where(e => e != KeyringStatus.Ok))
        {
            data.Add(new KeyringResult(e, LinuxErrno.None).Code, e.ToString(), KeyringText.GetMessage(e));
        }

        foreach (LuksCheckStatus e in Enum.GetValues<LuksCheckStatus>().Where(e => e != LuksCheckStatus.Ok))
        {
            data.Add(Codec.ProblemCode.Format((int)e), e.ToString(), LuksText.GetMessage(e));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_keyring_and_cryptsetup_code_is_listed_with_the_tools_message(string code, string name, string message)
    {
        string row = $"| {code} | `{name}` | {message} |";
        Assert.True(Lines.Contains(row), $"spec/ERRORS.md lacks the row: {row}");
    }

    [Fact]
    public void Cryptsetup_codes_are_in_their_range_and_success_is_CDC000()
    {
        Assert.All(Enum.GetValues<LuksCheckStatus>().Where(e => e != LuksCheckStatus.Ok), e => Assert.InRange((int)e, 601, 699));
        Assert.Equal("CDC000", KeyringResult.Ok.Code);
        Assert.Equal("CDC000", default(LuksCheckResult).Code);
    }

    [Theory]
    [InlineData(LinuxErrno.EINVAL, "EINVAL (invalid argument)")]
    [InlineData(LinuxErrno.ENOKEY, "ENOKEY (required key not available)")]
    [InlineData(LinuxErrno.ENOSYS, "ENOSYS (function not implemented)")]
    [InlineData(LinuxErrno.EDQUOT, "EDQUOT (disk quota exceeded)")]
    [InlineData(LinuxErrno.EOPNOTSUPP, "EOPNOTSUPP (operation not supported)")]
    [InlineData(LinuxErrno.EKEYREJECTED, "EKEYREJECTED (key was rejected by service)")]
    [InlineData(LinuxErrno.EMFILE, "EMFILE (too many open files)")]
    [InlineData(LinuxErrno.EROFS, "EROFS (read-only file system)")]
    [InlineData((LinuxErrno)42, "errno 42 (unknown error)")]
    public void An_errno_reads_as_its_name_and_meaning(LinuxErrno errno, string expected) =>
        Assert.Equal(expected, ErrnoText.Describe(errno));

    [Fact]
    public void A_keyring_refusal_reads_as_code_errno_and_message()
    {
        Assert.Equal("CDC502 ENOKEY (required key not available): no such key in the caller's keyrings", KeyringText.Describe(KeyringResult.FromErrno(LinuxErrno.ENOKEY)));
        Assert.Equal("CDC508 the kernel refused the description or payload", KeyringText.Describe(new KeyringResult(KeyringStatus.InvalidArgument, LinuxErrno.None)));
        Assert.Equal("ok", KeyringText.Describe(KeyringResult.Ok));
    }
}
