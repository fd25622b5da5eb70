using System.Buffers.Binary;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The kdump kernel's side: finding the address, reading old memory, and every way that fails.</summary>
public sealed class KdumpRestoreTests
{
    public static TheoryData<string, string, KeyBlobMode, KdumpRestoreStatus> Handoffs => new()
    {
        { "the loader's own line", "{line}", KeyBlobMode.Strict, KdumpRestoreStatus.Restored },
        { "no dmcryptkeys=", "elfcorehdr=0x2b100000 irqpoll", KeyBlobMode.Strict, KdumpRestoreStatus.AddressMissing },
        { "empty value", "dmcryptkeys= irqpoll", KeyBlobMode.Strict, KdumpRestoreStatus.AddressInvalid },
        { "not 4 KiB-aligned", "dmcryptkeys=0x{addr+1}", KeyBlobMode.Strict, KdumpRestoreStatus.AddressMisaligned },
        { "ordinary memory below the region", "dmcryptkeys=0x2b000000", KeyBlobMode.Strict, KdumpRestoreStatus.AddressOutsideRegion },
        { "last page of the region: the blob runs past its end", "dmcryptkeys=0x2b1ff000", KeyBlobMode.Strict, KdumpRestoreStatus.AddressOutsideRegion },
        { "not backed by memory", "dmcryptkeys=0x1000", KeyBlobMode.Strict, KdumpRestoreStatus.AddressOutsideRegion },
        // dm_crypt_keys_addr stays 0 and read_from_oldmem reads there (kernel/crash_dump_dm_crypt.c:117; fs/proc/vmcore.c:159-206);
        // the model has no bytes outside its RAM and reads zeros: count 0, nothing restored (FORMAT.md deviation D3).
        { "kernel mode, no dmcryptkeys=: reads address 0 (zeros in the model): count 0", "irqpoll", KeyBlobMode.Kernel, KdumpRestoreStatus.Restored },
        { "kernel mode, not backed by the model's memory: zeros, count 0", "dmcryptkeys=0x1000", KeyBlobMode.Kernel, KdumpRestoreStatus.Restored },
        { "kernel mode, zeroed ordinary memory: count 0, nothing restored", "dmcryptkeys=0x2b000000", KeyBlobMode.Kernel, KdumpRestoreStatus.Restored },
        { "kernel mode, the loader's line with a suffix and trailing junk", "dmcryptkeys={addrK}Kjunk", KeyBlobMode.Kernel, KdumpRestoreStatus.Restored },
        { "strict mode, the same", "dmcryptkeys={addrK}Kjunk", KeyBlobMode.Strict, KdumpRestoreStatus.AddressInvalid },
    };

    [Theory]
    [MemberData(nameof(Handoffs))]
    public void The_address_comes_from_the_command_line_with_the_modes_checks(string because, string template, KeyBlobMode mode, KdumpRestoreStatus expected)
    {
        using var s = new ModelScenario(new KernelModelOptions { RestoreMode = mode });
        s.UnlockAndProvision(2);
        CrashImage image = s.LoadSucceeds().Image!;
        ulong address = image.DmCryptKeys.Start;
        string line = template
            .Replace("{line}", image.CommandLine, StringComparison.Ordinal)
            .Replace("{addr+1}", (address + 1).ToString("x"), StringComparison.Ordinal)
            .Replace("{addrK}", (address >> 10).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        s.First.Crash();

        // A stray count of 20 on the region's last page: 7,764 bytes would run past the region's end.
        BinaryPrimitives.WriteUInt32LittleEndian(s.Machine.Memory.GetSpan(0x2b1ff000, 4), 20);
        KdumpKernel kdump = s.BootKdump(image with { CommandLine = line });

        KdumpRestoreOutcome outcome = kdump.RestoreKeys();

        Assert.True(expected == outcome.Status, $"{because}: {outcome.Status}");
        bool blobRead = outcome.Status == KdumpRestoreStatus.Restored && outcome.Address == address;
        Assert.Equal(blobRead ? 2 : 0, kdump.UserKeyring.Count);

        // The kernel never writes old memory (kernel/crash_dump_dm_crypt.c:135 only reads): the blob is still there.
        Assert.False(s.Machine.Memory.IsZero(address, (int)image.DmCryptKeys.Size));
    }

    [Fact]
    public void Outside_the_region_kernel_mode_reads_old_memory_but_never_wipes_it()
    {
        using var s = new ModelScenario(new KernelModelOptions { RestoreMode = KeyBlobMode.Kernel });
        s.UnlockAndProvision(1);
        CrashImage image = s.LoadSucceeds().Image!;
        byte[] blob = s.Machine.Memory.GetSpan(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size).ToArray();
        s.First.Crash();

        // A copy of the blob in ordinary memory (part of the vmcore), handed over by a wrong address.
        const ulong outside = 0x2b008000;
        blob.CopyTo(s.Machine.Memory.GetSpan(outside, blob.Length));
        KdumpKernel kdump = s.BootKdump(image with { CommandLine = $"dmcryptkeys=0x{outside:x}" });

        KdumpRestoreOutcome outcome = kdump.RestoreKeys();

        Assert.Equal(KdumpRestoreStatus.Restored, outcome.Status);
        Assert.Equal(1, outcome.KeysRestored);
        Assert.Equal(blob, s.Machine.Memory.GetSpan(outside, blob.Length).ToArray());
    }

    public static TheoryData<string, int, uint, KeyBlobMode, KdumpRestoreStatus, KeyBlobError> Corruptions => new()
    {
        { "count 129", 0, 129, KeyBlobMode.Strict, KdumpRestoreStatus.CountTooLarge, KeyBlobError.CountTooLarge },
        { "count 129, kernel mode", 0, 129, KeyBlobMode.Kernel, KdumpRestoreStatus.CountTooLarge, KeyBlobError.CountTooLarge },
        { "count 0", 0, 0, KeyBlobMode.Strict, KdumpRestoreStatus.BlobRefused, KeyBlobError.CountZero },
        { "count 0, kernel mode: nothing to restore", 0, 0, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored, KeyBlobError.None },
        { "key_size 257", 4, 257, KeyBlobMode.Strict, KdumpRestoreStatus.BlobRefused, KeyBlobError.KeySizeTooLarge },
        { "key_size 257, kernel mode: the kernel reads one byte of entry 1 and adds the key (user_preparse, security/keys/user_defined.c:64)", 4, 257, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored, KeyBlobError.None },
        { "key_size 32768, kernel mode: user_preparse refuses that key only", 4, 32768, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored, KeyBlobError.None },
        { "key_size 0", 4, 0, KeyBlobMode.Strict, KdumpRestoreStatus.BlobRefused, KeyBlobError.KeySizeZero },
        { "key_size 0, kernel mode: the keyring refuses that key", 4, 0, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored, KeyBlobError.None },
        { "padding after the description", 4 + 4 + 120, 0x41414141, KeyBlobMode.Strict, KdumpRestoreStatus.BlobRefused, KeyBlobError.DescriptionPaddingNotZero },
        { "padding after the description, kernel mode", 4 + 4 + 120, 0x41414141, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored, KeyBlobError.None },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupted_blob_in_old_memory_is_refused_with_the_codecs_error(
        string because, int offset, uint value, KeyBlobMode mode, KdumpRestoreStatus expected, KeyBlobError error)
    {
        using var s = new ModelScenario(new KernelModelOptions { RestoreMode = mode });
        s.UnlockAndProvision(2);
        CrashImage image = s.LoadSucceeds().Image!;
        KdumpKernel kdump = s.Crash();
        BinaryPrimitives.WriteUInt32LittleEndian(s.Machine.Memory.GetSpan(image.DmCryptKeys.Start + (ulong)offset, 4), value);

        RestoreWriteResult written = kdump.StoreRestore("yes\n"u8);

        // The write never reports restore errors: the kernel ignores them.
        Assert.Equal(LinuxErrno.None, written.Error);
        KdumpRestoreOutcome outcome = written.Outcome!;
        Assert.True(expected == outcome.Status, $"{because}: {outcome.Status}");
        Assert.Equal(error, outcome.Problem.Error);
        bool oneRefused = mode == KeyBlobMode.Kernel && offset == 4 && value is 0 or > 32767;
        int expectedKeys = !outcome.Succeeded || (offset == 0 && value == 0) ? 0 : oneRefused ? 1 : 2;
        Assert.Equal(expectedKeys, kdump.UserKeyring.Count);
        Assert.Equal(oneRefused ? 1 : 0, outcome.KeysRefused);
        Assert.Equal(mode == KeyBlobMode.Kernel && outcome.Succeeded ? (int)outcome.TotalKeys : 0, outcome.Entries.Count);
    }

    [Fact]
    public void Kernel_mode_adds_what_the_kernel_adds_over_reads_included()
    {
        using var s = new ModelScenario(new KernelModelOptions { RestoreMode = KeyBlobMode.Kernel });
        s.UnlockAndProvision(2);
        CrashImage image = s.LoadSucceeds().Image!;
        KdumpKernel kdump = s.Crash();
        ulong entry1 = image.DmCryptKeys.Start + (ulong)KeyBlobLayout.GetEntryOffset(1);

        // key_size 300 in the last entry: user_preparse copies 300 bytes, 44 of them past the blob (kernel/crash_dump_dm_crypt.c:71-72,
        // security/keys/user_defined.c:75); the model's heap past its copy reads as zero (FORMAT.md deviation D2).
        BinaryPrimitives.WriteUInt32LittleEndian(s.Machine.Memory.GetSpan(entry1, 4), 300);
        KdumpRestoreOutcome outcome = kdump.RestoreKeys();

        Assert.Equal(KdumpRestoreStatus.Restored, outcome.Status);
        Assert.Equal(2, outcome.KeysRestored);
        Assert.Equal(44, outcome.Entries[1].KeyBytesPastBlob);
        Assert.Equal(2, kdump.UserKeyring.Count);

        // A second restore (after echo 0 > restore) reads the same blob again and updates both keys (item 15).
        Assert.Equal(2, kdump.RestoreKeys().KeysRestored);
        Assert.Equal(2, kdump.UserKeyring.Count);
    }

    [Fact]
    public void Any_first_write_to_restore_restores_even_no_and_garbage_and_only_the_first_true_write_ends_it()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        KdumpKernel kdump = s.Crash();

        RestoreWriteResult no = kdump.StoreRestore("no\n"u8);
        Assert.Equal(LinuxErrno.None, no.Error);
        Assert.Equal(KdumpRestoreStatus.Restored, no.Outcome!.Status);
        Assert.Equal("0\n", kdump.ShowRestore());

        // restore is still false, so garbage runs the restore again (the blob is still there: the kernel never writes old
        // memory, and the second restore updates the same key) and then fails kstrtobool.
        RestoreWriteResult garbage = kdump.StoreRestore("maybe\n"u8);
        Assert.Equal(LinuxErrno.EINVAL, garbage.Error);
        Assert.Equal(1, garbage.Outcome!.KeysRestored);
        Assert.Equal("0\n", kdump.ShowRestore());

        Assert.NotNull(kdump.StoreRestore("yes\n"u8).Outcome);
        Assert.Equal("1\n", kdump.ShowRestore());
        Assert.Null(kdump.StoreRestore("yes\n"u8).Outcome);
        Assert.Equal(1, kdump.UserKeyring.Count);
    }

    [Theory]
    [InlineData(DeviceTreeError.None, KdumpRestoreStatus.Restored)]
    [InlineData(DeviceTreeError.PropertyMissing, KdumpRestoreStatus.AddressMissing)]
    [InlineData(DeviceTreeError.BadMagic, KdumpRestoreStatus.AddressInvalid)]
    public void The_device_tree_handoff_is_checked_like_the_command_line(DeviceTreeError damage, KdumpRestoreStatus expected)
    {
        using var s = new ModelScenario(new KernelModelOptions { Handoff = KdumpHandoff.DeviceTree });
        s.UnlockAndProvision(1);
        CrashImage image = s.LoadSucceeds().Image!;
        byte[] dtb = damage switch
        {
            DeviceTreeError.PropertyMissing => RenameProperty(image.DeviceTree!),
            DeviceTreeError.BadMagic => [0, 0, 0, 0, .. image.DeviceTree!.AsSpan(4)],
            _ => image.DeviceTree!,
        };
        s.First.Crash();
        KdumpKernel kdump = s.BootKdump(image with { DeviceTree = dtb });

        KdumpRestoreOutcome outcome = kdump.RestoreKeys();

        Assert.Equal(expected, outcome.Status);
        Assert.Equal(damage, outcome.DeviceTreeError);
    }

    [Theory]
    [InlineData(KeyBlobMode.Strict)]
    [InlineData(KeyBlobMode.Kernel)]
    public void On_a_device_tree_machine_dmcryptkeys_on_the_command_line_overrides_the_property(KeyBlobMode mode)
    {
        // parse_early_param runs after the device-tree scan (arch/arm64/kernel/setup.c:292, :299), and setup_dmcryptkeys
        // overwrites dm_crypt_keys_addr (kernel/crash_dump_dm_crypt.c:42).
        using var s = new ModelScenario(new KernelModelOptions { Handoff = KdumpHandoff.DeviceTree, RestoreMode = mode });
        s.UnlockAndProvision(1);
        CrashImage image = s.LoadSucceeds().Image!;
        s.First.Crash();
        KdumpKernel kdump = s.BootKdump(image with { CommandLine = "dmcryptkeys=0x2b1ff000 irqpoll" });

        KdumpRestoreOutcome outcome = kdump.RestoreKeys();

        Assert.Equal(0x2b1ff000UL, outcome.Address);
        Assert.Equal(0, kdump.UserKeyring.Count);

        // Without one, the property decides.
        kdump.Dispose();
        KdumpKernel again = s.BootKdump(image with { CommandLine = "irqpoll" });
        Assert.Equal(image.DmCryptKeys.Start, again.RestoreKeys().Address);
    }

    [Theory]
    [InlineData(0, KeyBlobMode.Strict, KdumpRestoreStatus.Restored)]
    [InlineData(388, KeyBlobMode.Strict, KdumpRestoreStatus.SizeMismatch)]
    [InlineData(388, KeyBlobMode.Kernel, KdumpRestoreStatus.Restored)]
    public void A_device_tree_size_that_disagrees_with_total_keys_is_refused_in_strict_mode(int extra, KeyBlobMode mode, KdumpRestoreStatus expected)
    {
        using var s = new ModelScenario(new KernelModelOptions { Handoff = KdumpHandoff.DeviceTree, RestoreMode = mode });
        s.UnlockAndProvision(1);
        CrashImage image = s.LoadSucceeds().Image!;
        s.First.Crash();
        byte[] dtb = DeviceTree.BuildDtb(image.DmCryptKeys.Start, image.DmCryptKeys.Size + (ulong)extra);
        KdumpKernel kdump = s.BootKdump(image with { DeviceTree = dtb });

        Assert.Equal(expected, kdump.RestoreKeys().Status);
    }

    [Fact]
    public void A_restore_into_the_user_keyring_is_create_or_update()
    {
        using var s = new ModelScenario();
        LuksVolume volume = s.Unlock(1);
        Assert.True(s.FirstClient.AddKey(volume.Uuid, volume.KeyDescription).Succeeded);
        s.LoadSucceeds();
        KdumpKernel kdump = s.Crash();
        Assert.Equal(LinuxErrno.None, kdump.UserKeyring.Add(volume.KeyDescription, [1, 2, 3]));
        Assert.Equal(CryptsetupStatus.WrongKey, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, Cryptsetup.VolumeKeyKeyringSpec(volume)));

        kdump.StoreRestore("yes"u8);

        Assert.Equal(1, kdump.UserKeyring.Count);
        Assert.Equal(CryptsetupStatus.Opened, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, Cryptsetup.VolumeKeyKeyringSpec(volume)));
    }

    // Changes one letter of the property name in the strings block, so /chosen no longer has linux,dmcryptkeys.
    private static byte[] RenameProperty(byte[] dtb)
    {
        byte[] copy = [.. dtb];
        int at = copy.AsSpan().IndexOf("linux,dmcryptkeys"u8);
        Assert.True(at >= 0);
        copy[at] = (byte)'X';
        return copy;
    }
}
