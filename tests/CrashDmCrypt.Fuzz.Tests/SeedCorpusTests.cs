namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>The generated seeds in <c>src/Fuzz/corpus/*/gen-*</c> are exactly what <c>CrashDmCrypt.Fuzz seeds</c> writes.</summary>
public sealed class SeedCorpusTests
{
    [Fact]
    public void Committed_generated_seeds_match_the_generator()
    {
        string temp = Path.Combine(Path.GetTempPath(), $"cdc-fuzz-seeds-{Environment.ProcessId}-{Guid.NewGuid():n}");
        try
        {
            int written = SeedCorpus.Write(temp);
            Assert.True(written >= 40, $"only {written} seeds");
            foreach (string target in FuzzInputs.Targets)
            {
                string[] generated = Names(Path.Combine(temp, target), "gen-*");
                string[] committed = Names(FuzzInputs.Corpus(target), "gen-*");
                Assert.Equal(generated, committed);
                foreach (string name in generated)
                {
                    Assert.True(
                        File.ReadAllBytes(Path.Combine(temp, target, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(FuzzInputs.Corpus(target), name))),
                        $"corpus/{target}/{name} differs from the generator: run `CrashDmCrypt.Fuzz seeds src/Fuzz/corpus`");
                }
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private static string[] Names(string folder, string pattern) =>
        Directory.GetFiles(folder, pattern).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
}
