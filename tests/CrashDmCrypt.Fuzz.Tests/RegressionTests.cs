namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>
/// One named test per crash or hang a campaign has found (<c>src/Fuzz/regressions/&lt;target&gt;/&lt;name&gt;</c>).
/// No campaign has found one yet; the table grows with every finding, and the bookkeeping test below
/// fails when a regression file has no row here.
/// </summary>
public sealed class RegressionTests
{
    /// <summary>(target, file name, what the finding was).</summary>
    public static TheoryData<string, string, string> Cases => [];

    [Fact]
    public void Every_regression_file_has_a_named_test()
    {
        string[] files = FuzzInputs.Targets
            .SelectMany(t => FuzzInputs.FilesIn(FuzzInputs.Regressions(t)).Select(f => t + "/" + Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] named = Cases.Select(row => (string)row[0] + "/" + (string)row[1]).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(files, named);
    }
}
