using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Tests;

namespace CrashDmCrypt.Bench;

/// <summary>
/// <c>DumpScanner.Scan</c> over the same memory in each container format: raw and ELF (memory-mapped, scanned in place),
/// kdump-compressed with each method (pages decompressed on all cores) and flattened zlib (read in place). The memory is
/// <see cref="MemoryMiB"/> MiB of the mix the whole-process comparison uses (random bytes, text, arrays of small integers,
/// zeros, in 16 KiB runs) with a blob planted every 4 MiB; every file is built and written to a temporary folder in
/// <see cref="Setup"/>, which also checks that each scan finds every blob. The MiB/s column is memory scanned per second;
/// "Scan, every form" adds the every-form search to the blob scan, beside it in one run.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet owns the lifetime; [GlobalCleanup] disposes.")]
public class DumpScanBenchmarks
{
    /// <summary>Memory in every dump.</summary>
    public const int MemoryMiB = 64;

    private const int Planted = MemoryMiB / 4;

    private string _folder = null!;
    private PhysicalMemory _memory = null!;

    /// <summary>The container: Raw, Elf, KdumpZlib, KdumpZstd, KdumpSnappy, KdumpLzo, FlattenedZlib.</summary>
    [Params("Raw", "Elf", "KdumpZlib", "KdumpZstd", "KdumpSnappy", "KdumpLzo", "FlattenedZlib")]
    public string Format { get; set; } = "Raw";

    [GlobalSetup]
    public void Setup()
    {
        byte[] memory = Content();
        byte[] file = Format switch
        {
            "Raw" => memory,
            "Elf" => new ElfBuilder().Load(0x1000_0000, memory).Build(),
            "FlattenedZlib" => KdumpBuilder.Flatten(Kdump(memory, DumpCompression.Zlib), 1 << 20),
            _ => Kdump(memory, Enum.Parse<DumpCompression>(Format["Kdump".Length..])),
        };

        _folder = Directory.CreateTempSubdirectory("cdc-bench-").FullName;
        string path = Path.Combine(_folder, "dump");
        File.WriteAllBytes(path, file);
        if (!DumpReader.TryOpen(path, new DumpOpenOptions(), out PhysicalMemory? opened, out DumpProblem problem))
        {
            throw new InvalidOperationException($"{Format}: {problem}");
        }

        _memory = opened!;
        int found = DumpScanner.Scan(_memory).Findings.Count;
        if (found != Planted)
        {
            throw new InvalidOperationException($"{Format}: {found} findings, {Planted} planted");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Scan")]
    public int Scan() => DumpScanner.Scan(_memory).Findings.Count;

    /// <summary>
    /// What <c>scan</c> does: <c>DumpScanner.ScanEveryForm</c>, each window read once for its blobs and every other form
    /// (raw bytes and halves at any alignment, AES schedules) of every key known by then, the windows before a key turned
    /// up read again for it, then the copies outside memory; the ratio column is its cost against the blob scan alone.
    /// </summary>
    [Benchmark(Description = "Scan, every form")]
    public int ScanEveryForm()
    {
        using var keys = new CrashDmCrypt.Dumps.Forms.KeySet();
        return DumpScanner.ScanEveryForm(_memory, keys).Findings.Count;
    }

    // The mix make-image.py writes for the whole-process comparison, from a fixed seed, with a golden blob every 4 MiB.
    internal static byte[] Content()
    {
        var random = new Random(1);
        byte[] memory = new byte[MemoryMiB << 20];
        byte[] text = "cryptsetup is a utility used to conveniently set up disk encryption based on the DMCrypt kernel module. key logon user\n"u8.ToArray();
        const int Run = 16384;
        for (int at = 0; at < memory.Length; at += Run)
        {
            Span<byte> run = memory.AsSpan(at, Run);
            switch (random.Next(4))
            {
                case 0:
                    random.NextBytes(run);
                    break;
                case 1:
                    for (int i = 0; i < Run; i++)
                    {
                        run[i] = text[i % text.Length];
                    }

                    break;
                case 2:
                    for (int i = 0; i < Run; i += 4)
                    {
                        BitConverter.TryWriteBytes(run[i..], random.Next(300));
                    }

                    break;
                default:
                    break;
            }
        }

        byte[] blob = File.ReadAllBytes(Path.Combine(RepositoryRoot(), "spec", "vectors", "two-keys.bin"));
        for (int k = 0; k < Planted; k++)
        {
            blob.CopyTo(memory, (k << 22) + (random.Next(0, ((4 << 20) - blob.Length) / 4) * 4));
        }

        return memory;
    }

    private static byte[] Kdump(byte[] memory, DumpCompression method)
    {
        var builder = new KdumpBuilder { Method = method, MaxMapNr = (ulong)(memory.Length / 4096) };
        for (int page = 0; page < memory.Length / 4096; page++)
        {
            builder.Pages[(ulong)page] = memory[(page * 4096)..((page + 1) * 4096)];
        }

        return builder.Build();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "spec", "vectors")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("spec/vectors not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Adds the MiB/s column: memory scanned per second of the mean.</summary>
    public sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new ThroughputColumn());
    }

    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "MiBPerSecond";

        public string ColumnName => "MiB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Memory scanned per second (of the mean time)";

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is double ns and > 0 ? (MemoryMiB / (ns / 1e9)).ToString("N0", CultureInfo.InvariantCulture) : "-";
        }
    }
}
