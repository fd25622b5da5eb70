using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>The timeout column of /proc/keys (proc_keys_show), as the roll-back of provision reads it.</summary>
public sealed class ProcKeysTests
{
    [Theory]
    [InlineData("perm", 0L)]
    [InlineData("1s", 1L)]
    [InlineData("5m", 300L)]
    [InlineData("2h", 7200L)]
    [InlineData("3d", 259200L)]
    [InlineData("1w", 604800L)]
    [InlineData("expd", null)]
    [InlineData("0s", null)]
    [InlineData("5", null)]
    [InlineData("s", null)]
    [InlineData("-5m", null)]
    [InlineData("5y", null)]
    public void Each_unit_reads_as_its_whole_seconds_and_anything_else_as_unknown(string column, long? seconds) =>
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, ProcKeys.ParseTimeout(column));
}
