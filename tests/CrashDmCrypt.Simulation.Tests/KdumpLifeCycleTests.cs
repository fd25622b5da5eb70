using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The runner behind <c>crashdmcrypt simulate</c>: its typed report, step by step.</summary>
public sealed class KdumpLifeCycleTests
{
    [Theory]
    [InlineData(1, KdumpHandoff.CommandLine, KeyBlobMode.Strict)]
    [InlineData(2, KdumpHandoff.DeviceTree, KeyBlobMode.Strict)]
    [InlineData(128, KdumpHandoff.CommandLine, KeyBlobMode.Kernel)]
    public void Every_volume_is_unlocked_and_the_blob_left_in_reserved_memory(int keys, KdumpHandoff handoff, KeyBlobMode mode)
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Keys = keys, Handoff = handoff, RestoreMode = mode });

        Assert.True(report.Succeeded, report.Failure.ToString());
        Assert.Equal(LifeCycleFailure.None, report.Failure);
        Assert.Equal([LifeCycleStepKind.Boot, LifeCycleStepKind.Configfs, LifeCycleStepKind.Load, LifeCycleStepKind.Restore, LifeCycleStepKind.Dump], report.Steps.Select(s => s.Kind));
        Assert.All(report.Steps, s => Assert.True(s.Succeeded, s.Kind.ToString()));
        Assert.Equal(keys, report.Volumes);
        Assert.Equal(keys, report.KeysProvisioned);
        Assert.Equal(keys, report.KeysRestored);
        Assert.Equal(keys, report.VolumesOpened);
        Assert.Equal(KeyBlobWriter.GetRequiredSize(keys), report.BlobSize);
        Assert.False(report.MemoryZeroised);
        Assert.Equal(handoff == KdumpHandoff.CommandLine, report.KdumpCommandLine!.Contains($"dmcryptkeys=0x{report.BlobAddress:x} ", StringComparison.Ordinal));

        // 1. Each volume linked as a logon key kdump-cryptsetup:vk-<UUID>, as kdump-utils names it.
        BootStep boot = report.Boot;
        Assert.All(boot.Volumes, v => Assert.Equal(LinuxErrno.None, v.LinkError));
        Assert.All(boot.Volumes, v => Assert.Equal("kdump-cryptsetup:vk-" + v.Uuid, v.KeyDescription));
        Assert.All(boot.Volumes, v => Assert.Equal(64, v.KeySize));
        Assert.Equal(keys, boot.Volumes.Select(v => v.Uuid).Distinct().Count());
        Assert.True(boot.Memory.Contains(boot.CrashKernelRegion.Start, boot.CrashKernelRegion.Size));

        // 2. prepare_luks: reuse reads 0; per volume the logon key is found, its timeout set to 300 s, and one
        // configfs item made, named by its UUID, no warnings; count reads them back.
        ConfigfsStep configfs = report.Configfs;
        Assert.Equal(ConfigfsAttributes.DefaultRoot, configfs.Root);
        Assert.True(configfs.ReuseBefore.Succeeded);
        Assert.False(configfs.ReuseBefore.Value);
        Assert.False(configfs.SkippedForReuse);
        Assert.Equal(TimeSpan.FromSeconds(300), configfs.KeyTimeout);
        Assert.All(configfs.Items, i => Assert.Equal(LinuxErrno.None, i.LogonKeyLookup));
        Assert.All(configfs.Items, i => Assert.Equal(LinuxErrno.None, i.TimeoutSet));
        Assert.All(configfs.Items, i => Assert.True(i.Succeeded));
        Assert.Equal(boot.Volumes.Select(v => v.Uuid), configfs.Items.Select(i => i.Name));
        Assert.Equal(boot.Volumes.Select(v => v.KeyDescription), configfs.Items.Select(i => i.Description));
        Assert.All(configfs.Items, i => Assert.Equal(ConfigfsStatus.Ok, i.Result!.Value.Status));
        Assert.All(configfs.Items, i => Assert.Equal(ConfigfsWarnings.None, i.Result!.Value.Warnings));
        Assert.Equal(keys, configfs.Count!.Value.Value);

        // 3. The blob is placed 4 KiB-aligned in the region; the handoff names it; kdumpctl's EXIT trap removes every
        // item and the blob survives that in reserved memory; the keys expire, the blob waits.
        LoadStep load = report.Load!;
        CrashImage image = load.Load.Image!;
        Assert.Equal(LinuxErrno.None, load.Load.Error);
        Assert.Equal(KexecLoadFailure.None, load.Load.Failure);
        Assert.Equal(KexecLoadWarnings.None, load.Load.Warnings);
        Assert.Equal(keys, image.KeyCount);
        Assert.Equal(0UL, image.DmCryptKeys.Start % 4096);
        Assert.True(boot.CrashKernelRegion.Contains(image.DmCryptKeys.Start, image.DmCryptKeys.Size));
        Assert.False(image.DmCryptKeys.Overlaps(image.ElfCoreHeader));
        Assert.Equal(report.BlobSize, load.SavedCopySize);

        // keys_header stays allocated for the reuse path (kernel/crash_dump_dm_crypt.c:375, :435): the one plaintext
        // copy of the keys in the first kernel's memory besides the blob, so in its vmcore.
        Assert.Equal([new PlaintextCopy(PlaintextCopyKind.KeysHeader, report.BlobSize, keys)], load.FirstKernelPlaintextCopies);
        Assert.Equal(handoff == KdumpHandoff.DeviceTree, image.DeviceTree is not null);
        Assert.Equal(
            handoff == KdumpHandoff.DeviceTree ? new DmCryptKeysRange { Address = report.BlobAddress, Size = (ulong)report.BlobSize } : null,
            load.DeviceTreeRange);
        Assert.Equal(keys, load.ItemsRemoved);
        Assert.Equal(0, load.CountAfterCleanup.Value);
        Assert.True(load.BlobIntactAfterCleanup);
        Assert.True(load.Waited > configfs.KeyTimeout);
        Assert.Equal(LinuxErrno.ENOKEY, load.LogonKeyAfterWait);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, load.LogonKeySearchAfterWait);
        Assert.Null(load.RealKeyTimeout);

        // 4. restore reads 0, so 1 is written; it restores every key from the handed address, and cryptsetup opens each volume.
        RestoreStep restore = report.Restore!;
        Assert.True(restore.RestoreBefore.Succeeded);
        Assert.False(restore.RestoreBefore.Value);
        Assert.True(restore.RestoreWritten);
        Assert.Equal(LinuxErrno.None, restore.RestoreWriteError);
        Assert.Equal(KdumpRestoreStatus.Restored, restore.Outcome.Status);
        Assert.Equal(report.BlobAddress, restore.Outcome.Address);
        Assert.Equal((uint)keys, restore.Outcome.TotalKeys);
        Assert.Equal(0, restore.Outcome.KeysRefused);
        Assert.Equal(KeyBlobError.None, restore.Outcome.Problem.Error);
        Assert.Equal(boot.Volumes.Select(v => v.Uuid), restore.Volumes.Select(v => v.Uuid));
        Assert.All(restore.Volumes, v => Assert.Equal(CryptsetupStatus.Opened, v.Status));
        Assert.All(restore.Volumes, v => Assert.Equal("%user:kdump-cryptsetup:vk-" + v.Uuid, v.KeyringSpec));

        // 5. The vmcore is written; the blob stays in reserved memory (the kernel never writes old memory); the user
        // keyring held every key until the reboot.
        DumpStep dump = report.Dump!;
        Assert.True(dump.VmcoreWritten);
        Assert.Equal([image.DmCryptKeys], dump.Blobs);
        Assert.Null(report.Hotplug);
        Assert.Same(image, report.CrashImage);
        Assert.NotEqual(0, dump.NonZeroBytes);
        Assert.Equal(keys, dump.UserKeysZeroised);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_another_placement()
    {
        LifeCycleReport a = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 42 });
        LifeCycleReport b = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 42 });
        LifeCycleReport c = KdumpLifeCycle.Run(new LifeCycleOptions { Seed = 43 });

        Assert.Equal(Facts(a), Facts(b));
        Assert.Equal(a.BlobAddress, b.BlobAddress);
        Assert.NotEqual(a.Boot.Volumes.Select(v => v.Uuid), c.Boot.Volumes.Select(v => v.Uuid));
        Assert.NotEqual(Facts(a), Facts(c));

        static string[] Facts(LifeCycleReport r) =>
        [
            .. r.Boot.Volumes.Select(v => $"{v.Uuid} {v.KeyDescription} {v.KeySize} {v.LinkError}"),
            .. r.Configfs.Items.Select(i => $"{i.Name} {i.Description} {i.LogonKeyLookup} {i.Result}"),
            $"{r.Load!.Load.Image} {r.Load.Load.Warnings} {r.Load.SavedCopySize} {r.Load.LogonKeyAfterWait}",
            $"{r.Restore!.Outcome.Status} {r.Restore.Outcome.Address:x} {r.Restore.Outcome.KeysRestored}",
            .. r.Restore.Volumes.Select(v => $"{v.KeyringSpec} {v.Status}"),
            $"{string.Join(' ', r.Dump!.Blobs)} {r.Dump.NonZeroBytes} {r.Failure}",
        ];
    }

    [Fact]
    public void With_129_volumes_the_run_fails_at_the_restore_and_says_why()
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Keys = 129 });

        Assert.False(report.Succeeded);
        Assert.Equal(LifeCycleFailure.RestoreFailed, report.Failure);
        Assert.Equal(129, report.KeysProvisioned);
        Assert.Equal(0, report.VolumesOpened);

        // configfs accepts the 129th item and the client warns about it, and only about it.
        Assert.True(report.Configfs.Succeeded);
        Assert.Equal(ConfigfsWarnings.ItemBeyondKeyLimit, report.Configfs.Items[128].Result!.Value.Warnings);
        Assert.All(report.Configfs.Items.Take(128), i => Assert.Equal(ConfigfsWarnings.None, i.Result!.Value.Warnings));

        // The load builds a 129-entry blob and says so.
        Assert.True(report.Load!.Succeeded);
        Assert.Equal(KexecLoadWarnings.BlobAboveKeyLimit, report.Load.Load.Warnings);
        Assert.Equal(129, report.Load.Load.Image!.KeyCount);

        // The kdump kernel refuses more than 128 keys: nothing restored, every volume stays locked.
        RestoreStep restore = report.Restore!;
        Assert.False(restore.Succeeded);
        Assert.True(restore.RestoreWritten);
        Assert.Equal(LinuxErrno.None, restore.RestoreWriteError);
        Assert.Equal(KdumpRestoreStatus.CountTooLarge, restore.Outcome.Status);
        Assert.Equal(129u, restore.Outcome.TotalKeys);
        Assert.Equal(KeyBlobError.CountTooLarge, restore.Outcome.Problem.Error);
        Assert.Equal(0, restore.Outcome.KeysRestored);
        Assert.All(restore.Volumes, v => Assert.Equal(CryptsetupStatus.KeyNotFound, v.Status));

        // Only the count was wiped: the entries stay in reserved memory.
        Assert.False(report.Dump!.Succeeded);
        Assert.False(report.Dump.VmcoreWritten);
        Assert.True(report.Dump.NonZeroBytes > 0);
        Assert.False(report.MemoryZeroised);
    }

    [Fact]
    public void A_hot_plug_reload_as_kdump_utils_intends_it_reuses_nothing_because_the_exit_trap_removed_the_items()
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Hotplug = HotplugReload.Intended });

        Assert.Equal(
            [LifeCycleStepKind.Boot, LifeCycleStepKind.Configfs, LifeCycleStepKind.Load, LifeCycleStepKind.Hotplug, LifeCycleStepKind.Restore, LifeCycleStepKind.Dump],
            report.Steps.Select(s => s.Kind));
        HotplugStep hotplug = report.Hotplug!;
        Assert.False(hotplug.AsWritten);

        // reuse_luks_keys writes 1 (a crash kernel with a blob is loaded), so prepare_luks does nothing...
        Assert.Equal(ConfigfsStatus.Ok, hotplug.ReuseWrite!.Value.Status);
        Assert.True(hotplug.Prepare.SkippedForReuse);
        Assert.True(hotplug.Prepare.Succeeded);
        Assert.Empty(hotplug.Prepare.Items);
        Assert.Equal(0, hotplug.Prepare.Count!.Value.Value);

        // ...but the first load's EXIT trap left key_count at 0, which crash_load_dm_crypt_keys checks before reuse:
        // the reload succeeds without a blob.
        KexecLoadResult reload = hotplug.Reload!;
        Assert.True(reload.Succeeded);
        Assert.Equal(KexecLoadWarnings.NoKeys, reload.Warnings);
        Assert.False(reload.Image!.HasKeys);
        Assert.DoesNotContain("dmcryptkeys=", reload.Image.CommandLine, StringComparison.Ordinal);
        Assert.False(hotplug.Succeeded);
        Assert.Equal(0, hotplug.ItemsRemoved);

        // unuse_luks_keys: writing 0 is refused now, since the loaded image has no saved keys.
        Assert.Equal(ConfigfsStatus.KernelRefused, hotplug.UnuseWrite!.Value.Status);
        Assert.Equal(LinuxErrno.EINVAL, hotplug.UnuseWrite.Value.Errno);

        // The kdump kernel has no address; the first blob is still in reserved memory, unwiped.
        Assert.Same(reload.Image, report.CrashImage);
        Assert.Equal(0, report.BlobSize);
        Assert.Equal(KdumpRestoreStatus.AddressMissing, report.Restore!.Outcome.Status);
        Assert.Equal(CommandLineError.ParameterMissing, report.Restore.Outcome.CommandLineError);
        Assert.Equal(LifeCycleFailure.RestoreFailed, report.Failure);
        Assert.Equal([report.Load!.Load.Image!.DmCryptKeys], report.Dump!.Blobs);
        Assert.True(report.Dump.NonZeroBytes > 0);
        Assert.False(report.MemoryZeroised);
    }

    [Fact]
    public void With_the_kdump_utils_reuse_bug_the_reload_asks_for_the_expired_keys_and_leaves_no_crash_kernel()
    {
        LifeCycleReport report = KdumpLifeCycle.Run(new LifeCycleOptions { Hotplug = HotplugReload.KdumpUtilsReuseBug });

        HotplugStep hotplug = report.Hotplug!;
        Assert.True(hotplug.AsWritten);

        // [[ -f reuse ]] || echo 1 > reuse: the file exists, so neither write happens.
        Assert.Null(hotplug.ReuseWrite);
        Assert.Null(hotplug.UnuseWrite);

        // prepare_luks sees reuse 0 and asks for the first logon key, which expired 300 s after it was provisioned.
        Assert.False(hotplug.Prepare.SkippedForReuse);
        Assert.False(hotplug.Prepare.ReuseBefore.Value);
        ConfigfsItemOutcome asked = Assert.Single(hotplug.Prepare.Items);
        Assert.Equal(LinuxErrno.ENOKEY, asked.LogonKeyLookup);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, asked.LogonKeySearch);
        Assert.Null(asked.Result);
        Assert.False(hotplug.Prepare.Succeeded);

        // So kdumpctl loads nothing after stop_kdump unloaded the crash kernel: the panic has no kdump kernel to boot.
        Assert.Null(hotplug.Reload);
        Assert.Equal(LifeCycleFailure.NoCrashKernel, report.Failure);
        Assert.Equal([LifeCycleStepKind.Boot, LifeCycleStepKind.Configfs, LifeCycleStepKind.Load, LifeCycleStepKind.Hotplug], report.Steps.Select(s => s.Kind));
        Assert.Null(report.Restore);
        Assert.Null(report.Dump);
        Assert.Null(report.CrashImage);
        Assert.Null(report.KdumpCommandLine);
        Assert.Equal(0, report.VolumesOpened);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(130)]
    public void Key_counts_outside_1_to_129_are_caller_misuse(int keys) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KdumpLifeCycle.Run(new LifeCycleOptions { Keys = keys }));
}
