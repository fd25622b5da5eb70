namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>The files the targets are replayed over: corpus, regressions, golden vectors, and an optional AFL queue.</summary>
internal static class FuzzInputs
{
    public static readonly string[] Targets = ["reader", "restore", "writer", "cmdline", "dtb"];

    public static string FuzzRoot => Path.Combine(RepoPaths.Root, "src", "Fuzz");

    public static string Corpus(string target) => Path.Combine(FuzzRoot, "corpus", target);

    public static string Regressions(string target) => Path.Combine(FuzzRoot, "regressions", target);

    /// <summary>Input files of a folder (recursively), without notes; none when the folder does not exist.</summary>
    public static IEnumerable<string> FilesIn(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".md", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal)
            : [];

    /// <summary>Every (target, path relative to the repository) pair the CI replay runs.</summary>
    public static TheoryData<string, string> ReplayCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string target in Targets)
        {
            IEnumerable<string> files = FilesIn(Corpus(target)).Concat(FilesIn(Regressions(target)));
            if (target is "reader" or "restore")
            {
                files = files.Concat(FilesIn(RepoPaths.Vectors));
            }

            foreach (string file in files)
            {
                data.Add(target, Path.GetRelativePath(RepoPaths.Root, file));
            }
        }

        return data;
    }

    /// <summary>Files of the AFL queue folder named by <c>CDC_FUZZ_QUEUE</c> (several folders separated by ':'), if set.</summary>
    public static IEnumerable<string> QueueFiles()
    {
        string? queue = Environment.GetEnvironmentVariable("CDC_FUZZ_QUEUE");
        return string.IsNullOrEmpty(queue)
            ? []
            : queue.Split(':', StringSplitOptions.RemoveEmptyEntries).SelectMany(FilesIn);
    }
}
