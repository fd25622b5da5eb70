using System.Text.RegularExpressions;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class DeviceTreeErrorsTests
{
    private static readonly DeviceTreeError[] Errors = [.. Enum.GetValues<DeviceTreeError>().Where(e => e != DeviceTreeError.None)];

    [Fact]
    public void Every_error_has_a_2xx_code_from_its_number_and_its_own_message()
    {
        Assert.Equal(Enumerable.Range(201, Errors.Length), Errors.Select(e => (int)e));
        foreach (DeviceTreeError error in Errors)
        {
            Assert.Equal($"CDC{(int)error}", DeviceTreeErrors.GetCode(error));
            Assert.NotEqual("unknown error", DeviceTreeErrors.GetMessage(error));
            Assert.DoesNotContain('\n', DeviceTreeErrors.GetMessage(error));
        }

        Assert.Equal(Errors.Length, Errors.Select(DeviceTreeErrors.GetMessage).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("CDC000", DeviceTreeErrors.GetCode(DeviceTreeError.None));
        Assert.Equal("unknown error", DeviceTreeErrors.GetMessage((DeviceTreeError)299));
    }

    [Fact]
    public void A_problem_prints_code_offset_and_message()
    {
        var problem = new DeviceTreeProblem { Error = DeviceTreeError.PropertyMissing, Offset = 112 };
        Assert.Equal("CDC224", problem.Code);
        Assert.Equal("CDC224 at offset 112: no linux,dmcryptkeys property in /chosen before its first subnode", problem.ToString());
        Assert.Equal("CDC000: no error", default(DeviceTreeProblem).ToString());
    }

    [Fact]
    public void Spec_errors_lists_every_device_tree_code_with_its_name_and_message()
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Spec, "ERRORS.md"));
        int start = text.IndexOf("\n## 2xx device tree", StringComparison.Ordinal);
        Assert.True(start >= 0, "spec/ERRORS.md has no '## 2xx device tree' section");
        int end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? text[start..] : text[start..end];
        var rows = Regex.Matches(section, @"^\| (CDC\d{3}) \| `(\w+)` \| (.+?) \|$", RegexOptions.Multiline)
            .Select(m => (Code: m.Groups[1].Value, Name: m.Groups[2].Value, Message: m.Groups[3].Value))
            .ToArray();
        Assert.Equal(
            Errors.Select(e => (DeviceTreeErrors.GetCode(e), e.ToString(), DeviceTreeErrors.GetMessage(e))),
            rows);
    }
}
