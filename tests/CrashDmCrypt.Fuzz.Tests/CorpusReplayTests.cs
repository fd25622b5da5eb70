namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>
/// The CI replay: every corpus, regression and golden-vector file through every target's invariants,
/// in process and over guarded pages, exactly as the AFL loop runs them.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string, string> Cases => FuzzInputs.ReplayCases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Target_holds_its_invariants_on(string target, string file)
    {
        Assert.True(FuzzTargets.TryGet(target, out FuzzTarget? run));
        byte[] input = File.ReadAllBytes(Path.Combine(RepoPaths.Root, file));

        FuzzTargets.Execute(run, input);
    }

    [Theory]
    [InlineData("reader", 20)]
    [InlineData("restore", 20)]
    [InlineData("writer", 10)]
    [InlineData("cmdline", 10)]
    [InlineData("dtb", 4)]
    public void Every_target_has_a_seed_corpus(string target, int atLeast)
    {
        Assert.True(FuzzInputs.FilesIn(FuzzInputs.Corpus(target)).Count() >= atLeast, $"corpus/{target} holds fewer than {atLeast} seeds");
        Assert.True(File.Exists(Path.Combine(FuzzInputs.FuzzRoot, "dict", target + ".dict")), $"dict/{target}.dict is missing");
    }

    [Fact]
    public void Every_replayed_target_name_is_known_and_unknown_names_are_not()
    {
        foreach (string target in FuzzInputs.Targets)
        {
            Assert.True(FuzzTargets.TryGet(target, out _), target);
            Assert.Contains(target, FuzzTargets.Names);
        }

        Assert.False(FuzzTargets.TryGet("Reader", out _));
        Assert.False(FuzzTargets.TryGet("", out _));
    }
}
