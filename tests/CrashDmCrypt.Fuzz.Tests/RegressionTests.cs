namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>
/// One named test per crash or hang a campaign has found (<c>src/Fuzz/regressions/&lt;target&gt;/&lt;name&gt;</c>):
/// the table grows with every finding, and the bookkeeping test below fails when a regression file has no row here.
/// </summary>
public sealed class RegressionTests
{
    /// <summary>(target, file name, what the finding was).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "dump-flattened", "bitmaps-in-holes",
            "kdump bitmaps of 256 MiB claimed in the holes of a 9 KB flattened file: read into memory, 6 s and a GiB per input (a hang under AFL)"
        },
        {
            "dump-flattened", "replaced-run-shorter-than-a-word",
            "a later record replacing 1 to 3 bytes of an earlier one: the scan of replaced record bytes sliced past the run (ArgumentOutOfRangeException)"
        },
        {
            "reader", "empty-description-kernel-bug",
            "an empty description in the first of two entries: the kernel BUGs there (keyring.c:1308), so the restore handles fewer entries than kernel mode reads; the target's invariant expected as many (found by CI's smoke run)"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Regression_holds_its_targets_invariants(string target, string file, string finding)
    {
        Assert.True(FuzzTargets.TryGet(target, out FuzzTarget? run), finding);
        FuzzTargets.Execute(run, File.ReadAllBytes(Path.Combine(FuzzInputs.Regressions(target), file)));
    }

    [Fact]
    public void Every_regression_file_has_a_named_test()
    {
        // Every target's folder, the dump targets' too (their corpora are replayed by the dump tests).
        string root = Path.Combine(FuzzInputs.FuzzRoot, "regressions");
        string[] files = FuzzInputs.FilesIn(root)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string[] named = Cases.Select(row => (string)row[0] + "/" + (string)row[1]).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(files, named);
    }
}
