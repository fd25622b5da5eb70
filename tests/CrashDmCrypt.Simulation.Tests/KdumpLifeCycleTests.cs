using CrashDmCrypt.Codec;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The runner behind <c>crashdmcrypt simulate</c>.</summary>
public sealed class KdumpLifeCycleTests
{
    [Theory]
    [InlineData(1, KdumpHandoff.CommandLine, KeyBlobMode.Strict)]
    [InlineData(2, KdumpHandoff.DeviceTree, KeyBlobMode.Strict)]
    [InlineData(128, KdumpHandoff.CommandLine, KeyBlobMode.Kernel)]
    public void Every_volume_is_unlocked_and_the_blob_wiped(int keys, KdumpHandoff handoff, KeyBlobMode mode)
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Keys = keys, Handoff = handoff, RestoreMode = mode });

        Assert.True(report.Succeeded, report.Verdict);
        Assert.Equal([1, 2, 3, 4, 5], report.Steps.Select(s => s.Number));
        Assert.All(report.Steps, s => Assert.True(s.Succeeded, s.Title));
        Assert.Equal(keys, report.KeysProvisioned);
        Assert.Equal(keys, report.KeysRestored);
        Assert.Equal(keys, report.VolumesOpened);
        Assert.Equal(KeyBlobWriter.GetRequiredSize(keys), report.BlobSize);
        Assert.True(report.MemoryZeroised);
        Assert.StartsWith($"PASS: {keys} of {keys} volume(s) unlocked", report.Verdict, StringComparison.Ordinal);
        Assert.Equal(handoff == KdumpHandoff.CommandLine, report.KdumpCommandLine!.Contains($"dmcryptkeys=0x{report.BlobAddress:x} ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_another_placement()
    {
        LifeCycleReport a = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 42 });
        LifeCycleReport b = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 42 });
        LifeCycleReport c = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 43 });

        Assert.Equal(a.Steps.SelectMany(s => s.Lines), b.Steps.SelectMany(s => s.Lines));
        Assert.Equal(a.BlobAddress, b.BlobAddress);
        Assert.NotEqual(a.Steps[0].Lines, c.Steps[0].Lines);
    }

    [Fact]
    public void With_129_volumes_the_run_fails_at_the_restore_and_says_why()
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Keys = 129 });

        Assert.False(report.Succeeded);
        Assert.Equal(129, report.KeysProvisioned);
        Assert.Equal(0, report.VolumesOpened);
        Assert.Contains(report.Steps[1].Lines, l => l.Contains("129th item", StringComparison.Ordinal));
        Assert.False(report.Steps[3].Succeeded);
        Assert.StartsWith("FAIL: 0 of 129 volume(s) unlocked", report.Verdict, StringComparison.Ordinal);
        Assert.Contains("more than 128 keys", report.Verdict, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(130)]
    public void Key_counts_outside_1_to_129_are_caller_misuse(int keys) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KdumpLifeCycle.Run(new LifeCycleOptions { Keys = keys }));
}
