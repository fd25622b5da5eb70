using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The seed commit's steps 1-5 end to end, on both handoffs and both byte orders.</summary>
public sealed class LifeCycleTests
{
    [Theory]
    [InlineData(KdumpHandoff.CommandLine, KeyBlobByteOrder.LittleEndian)]
    [InlineData(KdumpHandoff.DeviceTree, KeyBlobByteOrder.LittleEndian)]
    [InlineData(KdumpHandoff.CommandLine, KeyBlobByteOrder.BigEndian)]
    public void Steps_1_to_5_unlock_every_volume_in_the_kdump_kernel_and_wipe_the_blob(KdumpHandoff handoff, KeyBlobByteOrder order)
    {
        using var s = new ModelScenario(new KernelModelOptions { Handoff = handoff, ByteOrder = order });

        // 1-2. Boot, unlock, and tell the first kernel which keys kdump needs.
        s.UnlockAndProvision(3);
        Assert.Equal(3, s.FirstClient.ReadCount().Value);

        // 3. kexec_file_load builds the blob exactly as the codec writes it and places it in the region.
        KexecLoadResult load = s.LoadSucceeds();
        CrashImage image = load.Image!;
        Assert.Equal(KexecLoadWarnings.None, load.Warnings);
        Assert.Equal((ulong)KeyBlobWriter.GetRequiredSize(3), image.DmCryptKeys.Size);
        Assert.Equal(0UL, image.DmCryptKeys.Start % 4096);
        Assert.True(s.Machine.CrashKernelRegion.Contains(image.DmCryptKeys.Start, image.DmCryptKeys.Size));
        Assert.False(image.DmCryptKeys.Overlaps(image.ElfCoreHeader));
        KeyBlobKey[] keys = [.. s.Volumes.Select(v => new KeyBlobKey(Encoding.UTF8.GetBytes(v.KeyDescription), v.VolumeKey.ToArray()))];
        byte[] expected = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
        TestWriter.Write(keys, expected, order);
        Assert.Equal(expected, s.Machine.Memory.GetSpan(image.DmCryptKeys.Start, expected.Length).ToArray());
        Assert.Equal(expected.Length, s.First.SavedCopySize);

        if (handoff == KdumpHandoff.CommandLine)
        {
            Assert.Equal(
                $"elfcorehdr=0x{image.ElfCoreHeader.Start:x} dmcryptkeys=0x{image.DmCryptKeys.Start:x} irqpoll nr_cpus=1 reset_devices",
                image.CommandLine);
            Assert.Null(image.DeviceTree);
        }
        else
        {
            Assert.DoesNotContain("dmcryptkeys", image.CommandLine, StringComparison.Ordinal);
            Assert.True(DeviceTree.TryReadDmCryptKeys(image.DeviceTree, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
            Assert.Equal(new DmCryptKeysRange { Address = image.DmCryptKeys.Start, Size = image.DmCryptKeys.Size }, range);
        }

        // The logon keys expire; the blob does not.
        s.Clock.Advance(ModelScenario.KeyTimeout + TimeSpan.FromSeconds(1));

        // 4. Crash; the kdump initramfs writes yes to restore; cryptsetup opens each volume from the user keyring.
        KdumpKernel kdump = s.Crash();
        var kdumpClient = new ConfigfsClient(new ModelConfigfsBackend(kdump));
        Assert.False(kdumpClient.ReadRestore().Value);
        ConfigfsResult restored = kdumpClient.Restore();
        Assert.Equal(ConfigfsStatus.Ok, restored.Status);
        Assert.Equal(LinuxErrno.None, restored.Errno);
        Assert.Equal(ConfigfsWarnings.None, restored.Warnings);
        Assert.True(kdumpClient.ReadRestore().Value);
        KdumpRestoreOutcome outcome = kdump.LastRestore!;
        Assert.Equal(KdumpRestoreStatus.Restored, outcome.Status);
        Assert.Equal(image.DmCryptKeys.Start, outcome.Address);
        Assert.Equal(3, outcome.KeysRestored);
        Assert.Equal(3, kdump.UserKeyring.Count);
        foreach (LuksVolume volume in s.Volumes)
        {
            Assert.Equal(CryptsetupStatus.Opened, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, Cryptsetup.VolumeKeyKeyringSpec(volume)));
        }

        // 5. The kernel never writes old memory: the blob stays in reserved memory (kernel/crash_dump_dm_crypt.c:135).
        Assert.False(s.Machine.Memory.IsZero(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size));
    }

    [Fact]
    public void Placement_is_random_4KiB_aligned_inside_the_region_and_reproducible_for_a_seed()
    {
        var addresses = new HashSet<ulong>();
        for (int seed = 1; seed <= 8; seed++)
        {
            ulong first = LoadAddress(seed);
            Assert.Equal(first, LoadAddress(seed));
            addresses.Add(first);
        }

        Assert.True(addresses.Count > 1, "eight seeds all gave the same address");

        static ulong LoadAddress(int seed)
        {
            using var s = new ModelScenario(new KernelModelOptions { Seed = seed });
            s.UnlockAndProvision(1);
            CrashImage image = s.LoadSucceeds().Image!;
            Assert.Equal(0UL, image.DmCryptKeys.Start % 4096);
            Assert.True(s.Machine.CrashKernelRegion.Contains(image.DmCryptKeys.Start, image.DmCryptKeys.Size));
            return image.DmCryptKeys.Start;
        }
    }

    [Fact]
    public void The_first_kernels_copy_and_keyring_are_zeroised_at_the_crash()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        Assert.Equal(LinuxErrno.None, s.First.LogonKeyring.RequestKey(s.Volumes[0].KeyDescription, out ReadOnlyMemory<byte> logonKey));
        ReadOnlyMemory<byte> copy = s.First.SavedCopy;
        Assert.True(copy.Span.ContainsAnyExcept((byte)0));

        s.Crash();

        Assert.False(logonKey.Span.ContainsAnyExcept((byte)0));
        Assert.False(copy.Span.ContainsAnyExcept((byte)0));
        Assert.Equal(0, s.First.SavedCopySize);
        Assert.Throws<InvalidOperationException>(() => s.First.LoadCrashKernel());
    }

    [Fact]
    public void The_kdump_kernels_user_keyring_is_zeroised_at_reboot()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        KdumpKernel kdump = s.Crash();
        kdump.StoreRestore("yes\n"u8);
        Assert.Equal(LinuxErrno.None, kdump.UserKeyring.RequestKey(s.Volumes[0].KeyDescription, out ReadOnlyMemory<byte> userKey));
        Assert.True(s.Volumes[0].Accepts(userKey.Span));

        kdump.Dispose();

        Assert.False(userKey.Span.ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void A_panic_without_a_loaded_crash_kernel_is_caller_misuse()
    {
        using var s = new ModelScenario();
        Assert.Throws<InvalidOperationException>(() => s.First.Crash());
    }
}
