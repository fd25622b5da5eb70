using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>The posix_spawn runner behind <see cref="CryptsetupTool"/>, driven with /bin/sh.</summary>
public sealed class NativeSpawnTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Passes_stdin_fd3_and_environment_and_captures_both_streams_and_the_exit_code()
    {
        SpawnResult run = NativeSpawn.Run(
            "/bin/sh",
            ["-c", "cat; printf ' '; cat /proc/self/fd/3; printf \" $LC_ALL\" >&2; exit 7"],
            ["LC_ALL=C"],
            "key"u8,
            "phrase"u8,
            Minute);

        Assert.True(run.Ran, run.ToString());
        Assert.Equal(7, run.ExitCode);
        Assert.Equal("key phrase", run.StandardOutput);
        Assert.Equal(" C", run.StandardError);
    }

    [Fact]
    public void Keeps_the_first_64_KiB_of_output_and_drains_the_rest()
    {
        SpawnResult run = NativeSpawn.Run("/bin/sh", ["-c", "head -c 200000 /dev/zero | tr '\\0' x"], [], [], [], Minute);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(NativeSpawn.CaptureLimit, Encoding.UTF8.GetByteCount(run.StandardOutput));
    }

    [Fact]
    public void Reports_a_missing_program_with_its_errno()
    {
        SpawnResult run = NativeSpawn.Run("/nonexistent/program", [], [], [], [], Minute);

        Assert.False(run.Ran);
        Assert.Equal("posix_spawn", run.FailedCall);
        Assert.Equal(LinuxErrno.ENOENT, run.Errno);
    }

    [Fact]
    public void Kills_a_child_that_runs_past_the_time_limit()
    {
        SpawnResult run = NativeSpawn.Run("/bin/sh", ["-c", "exec sleep 30"], [], [], [], TimeSpan.FromMilliseconds(200));

        Assert.True(run.TimedOut);
        Assert.Equal(-1, run.ExitCode);
    }

    [Fact]
    public void A_child_that_does_not_read_its_input_is_no_error()
    {
        SpawnResult run = NativeSpawn.Run("/bin/sh", ["-c", "exec 0<&- 3<&-; exit 3"], [], new byte[NativeSpawn.InputLimit], "x"u8, Minute);

        Assert.True(run.Ran, run.ToString());
        Assert.Equal(3, run.ExitCode);
    }
}
