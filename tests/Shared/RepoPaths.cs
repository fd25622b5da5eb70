namespace CrashDmCrypt.Tests.Shared;

/// <summary>Finds files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        string? recorded = System.Reflection.Assembly.GetExecutingAssembly()
            .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepoRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "CrashDmCrypt.sln")))
        {
            return recorded;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrashDmCrypt.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrashDmCrypt.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootLazy.Value;

    public static string Spec => Path.Combine(Root, "spec");

    public static string Vectors => Path.Combine(Root, "spec", "vectors");

    public static string Reference => Path.Combine(Root, "spec", "reference");
}
