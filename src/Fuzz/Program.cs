namespace CrashDmCrypt.Fuzz;

/// <summary>Fuzz entry point (placeholder until the fuzzing issue lands).</summary>
public static class Program
{
    /// <summary>Runs a target.</summary>
    public static int Main(string[] args) => args.Length == 0 ? 2 : 0;
}
