using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The reuse path: a reload after CPU or memory hot-plug, when the logon keys have long expired.</summary>
public sealed class ReuseTests
{
    [Fact]
    public void With_reuse_a_reload_after_expiry_places_the_saved_blob_again_and_the_keys_still_restore()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(2);
        CrashImage before = s.LoadSucceeds().Image!;
        byte[] blob = s.Machine.Memory.GetSpan(before.DmCryptKeys.Start, (int)before.DmCryptKeys.Size).ToArray();
        s.Clock.Advance(TimeSpan.FromHours(1));

        // On x86 the blob's pages are unmapped while the crash image is loaded (arch/x86/kernel/machine_kexec_64.c:648-674)
        // and the reuse copy unprotects around itself (kernel/crash_dump_dm_crypt.c:91, :98); the model has no page
        // protection (FORMAT.md deviation D6), and the copy reads the same bytes either way.
        ConfigfsResult reuse = s.FirstClient.WriteReuse(true);
        Assert.Equal(ConfigfsStatus.Ok, reuse.Status);
        Assert.Equal(LinuxErrno.None, reuse.Errno);
        Assert.Equal(ConfigfsWarnings.None, reuse.Warnings);
        Assert.True(s.FirstClient.ReadReuse().Value);

        // Hot-plug: udev reloads the crash kernel; the keyring is not asked again.
        KexecLoadResult reload = s.LoadSucceeds();
        Assert.Equal(KexecLoadWarnings.Reused, reload.Warnings);
        CrashImage after = reload.Image!;
        Assert.Equal(blob, s.Machine.Memory.GetSpan(after.DmCryptKeys.Start, blob.Length).ToArray());
        Assert.Contains($"dmcryptkeys=0x{after.DmCryptKeys.Start:x} ", after.CommandLine, StringComparison.Ordinal);

        KdumpKernel kdump = s.Crash();
        Assert.Equal(2, kdump.StoreRestore("yes"u8).Outcome!.KeysRestored);
        foreach (LuksVolume volume in s.Volumes)
        {
            Assert.Equal(CryptsetupStatus.Opened, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, Cryptsetup.VolumeKeyKeyringSpec(volume)));
        }
    }

    [Fact]
    public void A_reload_leaves_the_previous_blob_in_reserved_memory_because_freed_crash_segments_are_not_wiped()
    {
        using var s = new ModelScenario(new KernelModelOptions { Seed = 3 });
        s.UnlockAndProvision(1);
        CrashImage first = s.LoadSucceeds().Image!;
        byte[] blob = s.Machine.Memory.GetSpan(first.DmCryptKeys.Start, (int)first.DmCryptKeys.Size).ToArray();

        CrashImage second = s.LoadSucceeds().Image!;

        Assert.NotEqual(first.DmCryptKeys.Start, second.DmCryptKeys.Start);
        Assert.Equal(blob, s.Machine.Memory.GetSpan(first.DmCryptKeys.Start, blob.Length).ToArray());

        // The restore writes neither (kernel/crash_dump_dm_crypt.c:135 only reads old memory).
        s.Crash().StoreRestore("yes"u8);
        Assert.False(s.Machine.Memory.IsZero(second.DmCryptKeys.Start, blob.Length));
        Assert.False(s.Machine.Memory.IsZero(first.DmCryptKeys.Start, blob.Length));
    }

    [Fact]
    public void Without_reuse_the_reload_fails_on_the_expired_keys_and_the_saved_blob_is_lost_with_the_old_image()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        s.Clock.Advance(TimeSpan.FromHours(1));

        KexecLoadResult reload = s.First.LoadCrashKernel();
        Assert.Equal(LinuxErrno.ENOKEY, reload.Error);
        Assert.Equal(KexecLoadFailure.LogonKeyExpired, reload.Failure);

        // kexec_file_load freed the old crash image before failing, so nothing is saved any more.
        Assert.Null(s.First.LoadedImage);
        ConfigfsResult reuse = s.FirstClient.WriteReuse(true);
        Assert.Equal(ConfigfsStatus.KernelRefused, reuse.Status);
        Assert.Equal(LinuxErrno.EINVAL, reuse.Errno);
    }

    [Theory]
    [InlineData("1\n", LinuxErrno.None)]
    [InlineData("on", LinuxErrno.None)]
    [InlineData("off", LinuxErrno.None)]
    [InlineData("maybe", LinuxErrno.EINVAL)]
    [InlineData("", LinuxErrno.EINVAL)]
    public void Reuse_parses_with_kstrtobool_once_keys_are_saved(string value, LinuxErrno expected)
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();

        Assert.Equal(expected, s.First.Configfs.StoreReuse(System.Text.Encoding.ASCII.GetBytes(value)));
    }

    [Fact]
    public void Reuse_is_refused_before_any_load_and_after_a_load_without_keys()
    {
        using var s = new ModelScenario();
        Assert.Equal(LinuxErrno.EINVAL, s.First.Configfs.StoreReuse("1"u8));
        s.LoadSucceeds();
        Assert.Equal(LinuxErrno.EINVAL, s.First.Configfs.StoreReuse("1"u8));
        Assert.Equal("0\n", s.First.Configfs.ShowReuse());
    }

    [Fact]
    public void Reuse_after_the_item_count_changed_overflows_the_copy_and_loads_it_anyway_as_the_kernel_does()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        LuksVolume added = s.Unlock(2);
        Assert.True(s.FirstClient.AddKey(added.Uuid, added.KeyDescription).Succeeded);

        // get_keys_from_kdump_reserved_memory copies 4 + 388 * 2 bytes into the 392-byte keys_header and reads 388
        // bytes past the 392-byte blob (kernel/crash_dump_dm_crypt.c:91-98): a kernel defect, and the write succeeds.
        Assert.True(s.FirstClient.WriteReuse(true).Succeeded);
        Assert.Equal(388, s.First.ReuseHeapOverflowBytes);
        Assert.Equal(388, s.First.ReuseOverReadBytes);

        // The load takes bufsz from the current count with no check (:426, :435-436): 780 bytes, total_keys still 1.
        KexecLoadResult reload = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.None, reload.Error);
        Assert.Equal(KexecLoadWarnings.Reused | KexecLoadWarnings.ReusedCopySizeMismatch, reload.Warnings);
        Assert.Equal(780UL, reload.Image!.DmCryptKeys.Size);
        Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(s.Machine.Memory.GetSpan(reload.Image.DmCryptKeys.Start, 4)));
    }
}
