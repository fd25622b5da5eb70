using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// <see cref="KdumpLifeCycle.TryRun"/> with the real parts (what <c>simulate --keyring kernel</c>, <c>--luks
/// cryptsetup</c> and <c>--real</c> run): the kernel's keyring and cryptsetup decide, the run passes, a damaged key
/// fails it, and the temporary images are gone on every path.
/// </summary>
public sealed class RealLifeCycleRunTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [KernelKeyringFact]
    public void With_the_kernel_keyring_real_keys_carry_the_run_and_the_kernel_expires_them()
    {
        LifeCycleReport report = Run(new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Keys = 3 });

        Assert.True(report.Succeeded, report.Failure.ToString());
        Assert.All(report.Boot.Volumes, v =>
        {
            Assert.NotEqual(0, v.LogonKeySerial);
            Assert.Equal(LinuxErrno.EOPNOTSUPP, v.ReadBackError);
            Assert.Null(v.LuksImage);
        });
        Assert.Equal(3, report.Boot.Volumes.Select(v => v.LogonKeySerial).Distinct().Count());
        Assert.All(report.Configfs.Items, i => Assert.Equal(LinuxErrno.None, i.TimeoutSet));

        LoadStep load = report.Load!;
        Assert.Equal(TimeSpan.FromSeconds(1), load.RealKeyTimeout);
        Assert.Equal(LinuxErrno.ENOKEY, load.LogonKeyAfterWait);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, load.LogonKeySearchAfterWait);

        RestoreStep restore = report.Restore!;
        Assert.Equal(3, restore.Outcome.KeysRestored);
        Assert.All(restore.Volumes, v =>
        {
            Assert.Equal(CryptsetupStatus.Opened, v.Status);
            Assert.NotEqual(0, v.UserKeySerial);
            Assert.Equal(LinuxErrno.None, v.ReadBackError);
            Assert.True(v.KeyMatches);
            Assert.Null(v.LuksCheck);
            Assert.Equal(LinuxErrno.None, v.Revoked);
        });
        Assert.Equal(3, report.Dump!.UserKeysZeroised);
    }

    [KernelKeyringFact]
    public void With_the_kernel_keyring_the_reuse_bug_reload_gets_ENOKEY_for_the_expired_key_from_the_kernel()
    {
        LifeCycleReport report = Run(new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Keys = 1, Hotplug = HotplugReload.KdumpUtilsReuseBug });

        ConfigfsItemOutcome asked = Assert.Single(report.Hotplug!.Prepare.Items);
        Assert.Equal(LinuxErrno.ENOKEY, asked.LogonKeyLookup);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, asked.LogonKeySearch);
        Assert.Equal(LifeCycleFailure.NoCrashKernel, report.Failure);
    }

    [CryptsetupFact]
    public void With_cryptsetup_each_restored_key_is_proved_against_a_real_LUKS2_header_and_the_images_are_removed()
    {
        LifeCycleReport report = Run(new LifeCycleOptions { Luks = LuksBackend.Cryptsetup, TemporaryFolder = _temp.Path });

        Assert.True(report.Succeeded, report.Failure.ToString());
        Assert.All(report.Boot.Volumes, v => Assert.Equal(LuksCheckStatus.Ok, v.LuksImage?.Status));
        Assert.All(report.Restore!.Volumes, v =>
        {
            Assert.Equal(CryptsetupStatus.Opened, v.Status);
            Assert.Equal(LuksCheckStatus.Ok, v.LuksCheck?.Status);
            Assert.True(v.KeyMatches);
            Assert.Equal(0, v.UserKeySerial);
            Assert.Null(v.Revoked);
        });
        Assert.Empty(_temp.FileNames());
    }

    [RealFact]
    public void With_both_real_parts_the_run_passes_and_leaves_nothing_behind()
    {
        LifeCycleReport report = Run(new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Luks = LuksBackend.Cryptsetup, TemporaryFolder = _temp.Path });

        Assert.True(report.Succeeded, report.Failure.ToString());
        Assert.All(report.Restore!.Volumes, v => Assert.Equal((CryptsetupStatus.Opened, LuksCheckStatus.Ok, true, LinuxErrno.None), (v.Status, v.LuksCheck?.Status, v.KeyMatches, v.Revoked)));
        Assert.Empty(_temp.FileNames());
    }

    [RealFact]
    public void A_key_damaged_in_reserved_memory_is_restored_but_refused_by_the_compare_and_by_cryptsetup()
    {
        LifeCycleReport report = Run(new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Luks = LuksBackend.Cryptsetup, TemporaryFolder = _temp.Path, CorruptKeyOfEntry = 1 });

        Assert.False(report.Succeeded);
        Assert.Equal(LifeCycleFailure.VolumesLocked, report.Failure);
        Assert.Equal(2, report.KeysRestored);
        CryptsetupOpenResult good = report.Restore!.Volumes[0];
        CryptsetupOpenResult bad = report.Restore.Volumes[1];
        Assert.Equal(CryptsetupStatus.Opened, good.Status);
        Assert.Equal(CryptsetupStatus.WrongKey, bad.Status);
        Assert.False(bad.KeyMatches);
        Assert.Equal(LuksCheckStatus.KeyMismatch, bad.LuksCheck?.Status);
        Assert.Equal(2, bad.LuksCheck?.ExitCode);
        Assert.Equal(LinuxErrno.None, bad.Revoked);
        Assert.Empty(_temp.FileNames());
    }

    [Fact]
    public void In_the_model_a_damaged_key_fails_the_run_too()
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { CorruptKeyOfEntry = 0 });

        Assert.Equal(LifeCycleFailure.VolumesLocked, report.Failure);
        Assert.Equal([CryptsetupStatus.WrongKey, CryptsetupStatus.Opened], report.Restore!.Volumes.Select(v => v.Status));
    }

    [CryptsetupFact]
    public void A_cancelled_run_removes_its_images_before_it_ends()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            KdumpLifeCycle.TryRun(new LifeCycleOptions { Keyring = KeyringBackend.Kernel, Luks = LuksBackend.Cryptsetup, TemporaryFolder = _temp.Path }, cancel.Token, out _, out _));

        Assert.Empty(_temp.FileNames());
    }

    [Fact]
    public void A_missing_cryptsetup_is_reported_and_nothing_runs()
    {
        bool ran = KdumpLifeCycle.TryRun(
            new LifeCycleOptions { Luks = LuksBackend.Cryptsetup, CryptsetupPath = "/nonexistent/cryptsetup", TemporaryFolder = _temp.Path },
            CancellationToken.None,
            out LifeCycleReport? report,
            out RealPartsProblem problem);

        Assert.False(ran);
        Assert.Null(report);
        Assert.Equal(LuksCheckStatus.ToolMissing, problem.Luks.Status);
        Assert.Equal("CDC601", problem.Luks.Code);
        Assert.True(problem.Keyring.Succeeded);
        Assert.False(problem.IsNone);
        Assert.Empty(_temp.FileNames());
        Assert.Throws<InvalidOperationException>(() => KdumpLifeCycle.Run(new LifeCycleOptions { Luks = LuksBackend.Cryptsetup, CryptsetupPath = "/nonexistent/cryptsetup" }));
    }

    private static LifeCycleReport Run(LifeCycleOptions options)
    {
        bool ran = KdumpLifeCycle.TryRun(options, CancellationToken.None, out LifeCycleReport? report, out RealPartsProblem problem);
        Assert.True(ran, $"{problem.Keyring} {problem.Luks}");
        return report!;
    }
}
