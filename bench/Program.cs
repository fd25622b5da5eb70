using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace CrashDmCrypt.Bench;

/// <summary>Entry point: <c>dotnet run -c Release --project bench -- [BenchmarkDotNet args]</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks chosen by the BenchmarkDotNet command line (all of them with <c>--filter '*'</c>).</summary>
    public static void Main(string[] args)
    {
        // The median beside the mean: on a shared, noisy machine it is the steadier of the two.
        IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Median);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
