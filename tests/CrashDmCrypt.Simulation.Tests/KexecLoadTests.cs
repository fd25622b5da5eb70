using System.Buffers.Binary;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>Every way the first kernel's load fails or silently goes wrong, with the exact errno.</summary>
public sealed class KexecLoadTests
{
    [Fact]
    public void A_missing_logon_key_fails_the_load_with_ENOKEY_naming_the_item()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        Assert.True(s.FirstClient.AddKey("orphan", "cryptsetup:orphan").Succeeded);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.ENOKEY, load.Error);
        Assert.Equal(KexecLoadFailure.LogonKeyNotFound, load.Failure);
        Assert.Equal("orphan", load.FailedItem);
        Assert.Equal("cryptsetup:orphan", load.LookedUpDescription);
        Assert.Null(load.Image);
        Assert.Null(s.First.LoadedImage);
    }

    [Theory]
    [InlineData(256, LinuxErrno.None)]
    [InlineData(257, LinuxErrno.EINVAL)]
    public void A_key_over_256_bytes_fails_the_load_with_EINVAL(int keySize, LinuxErrno expected)
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1, keySize);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(expected, load.Error);
        Assert.Equal(expected == LinuxErrno.None ? KexecLoadFailure.None : KexecLoadFailure.KeyTooLarge, load.Failure);
    }

    [Fact]
    public void An_item_without_description_fails_the_load_with_EINVAL()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        Assert.Equal(LinuxErrno.None, s.First.Configfs.MakeItem("bare"));

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.EINVAL, load.Error);
        Assert.Equal(KexecLoadFailure.NoDescription, load.Failure);
        Assert.Equal("bare", load.FailedItem);
        Assert.Null(load.LookedUpDescription);
        Assert.Null(load.Image);
    }

    [Theory]
    [InlineData(299, LinuxErrno.None)]
    [InlineData(300, LinuxErrno.ENOKEY)]
    public void Keys_expired_before_the_load_fail_it_with_ENOKEY_as_request_key_passes_over_them(int secondsLater, LinuxErrno expected)
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        s.Clock.Advance(TimeSpan.FromSeconds(secondsLater));

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(expected, load.Error);
        Assert.Equal(expected == LinuxErrno.None ? KexecLoadFailure.None : KexecLoadFailure.LogonKeyExpired, load.Failure);
    }

    [Theory]
    [InlineData(1985, 1, LinuxErrno.None)]     // 1985 + NUL + 30 + 31 = 2047 = cmdline_size
    [InlineData(1986, 1, LinuxErrno.EINVAL)]   // arch/x86/kernel/kexec-bzimage64.c:530-535
    [InlineData(2016, 0, LinuxErrno.None)]     // no blob: only elfcorehdr= must fit (:516-519)
    [InlineData(2017, 0, LinuxErrno.EINVAL)]
    public void The_x86_loader_refuses_a_command_line_without_room_for_its_parameters(int length, int keys, LinuxErrno expected)
    {
        using var s = new ModelScenario(new KernelModelOptions { KdumpParameters = new string('p', length) });
        s.UnlockAndProvision(keys);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(expected, load.Error);
        Assert.Equal(expected == LinuxErrno.None ? KexecLoadFailure.None : KexecLoadFailure.CommandLineTooLong, load.Failure);
    }

    [Fact]
    public void The_first_kernel_leaves_plaintext_copies_where_the_kernel_does()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(2);
        s.LoadSucceeds();

        // The live keys_header, kept for reuse (kernel/crash_dump_dm_crypt.c:375, :435).
        Assert.Equal([new PlaintextCopy(PlaintextCopyKind.KeysHeader, 780, 2)], s.First.PlaintextLeftBehind);

        // A reload frees it without clearing (:372-373); revoking the second key fails the build after entry 0, which
        // stays allocated (:389-401).
        var logon = (Keyring)s.First.LogonKeyring;
        Assert.Equal(LinuxErrno.None, logon.Revoke(s.Volumes[1].KeyDescription));
        Assert.False(s.First.LoadCrashKernel().Succeeded);
        Assert.Equal(
            [new PlaintextCopy(PlaintextCopyKind.FreedKeysHeader, 780, 2), new PlaintextCopy(PlaintextCopyKind.PartialKeysHeader, 780, 1)],
            s.First.PlaintextLeftBehind);
    }

    [Fact]
    public void The_kdump_kernel_keeps_one_copy_per_restore()
    {
        using var s = new ModelScenario(new KernelModelOptions { RestoreMode = KeyBlobMode.Kernel });
        s.UnlockAndProvision(1);
        s.LoadSucceeds();
        KdumpKernel kdump = s.Crash();

        kdump.StoreRestore("0"u8);
        kdump.StoreRestore("1"u8);

        // keys_header = kzalloc(...) on every restore, never freed (kernel/crash_dump_dm_crypt.c:129).
        Assert.Equal([new PlaintextCopy(PlaintextCopyKind.KdumpKeysHeader, 392, 1), new PlaintextCopy(PlaintextCopyKind.KdumpKeysHeader, 392, 1)], kdump.PlaintextLeftBehind);
    }

    [Fact]
    public void A_revoked_logon_key_fails_the_load_with_EKEYREVOKED()
    {
        // request_key reports a revoked key as EKEYREVOKED (security/keys/keyring.c:595-600), and so does
        // read_key_from_user_keyring when the payload is gone (kernel/crash_dump_dm_crypt.c:164-167).
        using var s = new ModelScenario();
        s.UnlockAndProvision(1);
        var logon = (Keyring)s.First.LogonKeyring;
        Assert.Equal(LinuxErrno.None, logon.Revoke(s.Volumes[0].KeyDescription));

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.EKEYREVOKED, load.Error);
        Assert.Equal(KexecLoadFailure.LogonKeyRevoked, load.Failure);
        Assert.Null(s.First.LoadedImage);
    }

    [Theory]
    [InlineData(127, LinuxErrno.None)]
    [InlineData(128, LinuxErrno.ENOKEY)]
    public void A_128_byte_description_is_accepted_by_configfs_then_truncated_and_the_lookup_misses(int length, LinuxErrno expected)
    {
        using var s = new ModelScenario();
        string description = "cryptsetup:" + new string('d', length - "cryptsetup:".Length);
        Assert.Equal(LinuxErrno.None, s.First.LogonKeyring.Add(description, new byte[32]));

        ConfigfsResult added = s.FirstClient.AddKey("long", description);
        Assert.True(added.Succeeded);
        Assert.Equal(length == 128 ? ConfigfsWarnings.DescriptionTruncatedByKernel : ConfigfsWarnings.None, added.Warnings);
        Assert.Equal(description, s.First.Configfs.Items[0].Description);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(expected, load.Error);
        if (expected != LinuxErrno.None)
        {
            Assert.Equal(KexecLoadFailure.LogonKeyNotFound, load.Failure);
            Assert.Equal(description[..127], load.LookedUpDescription);
        }
    }

    [Fact]
    public void A_128_byte_description_silently_saves_the_key_of_its_127_byte_prefix_when_one_exists()
    {
        using var s = new ModelScenario();
        string description = "cryptsetup:" + new string('d', 128 - "cryptsetup:".Length);
        Assert.Equal(LinuxErrno.None, s.First.LogonKeyring.Add(description[..127], [0xaa, 0xbb]));
        Assert.True(s.FirstClient.AddKey("long", description).Succeeded);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.True(load.Succeeded);
        Assert.Equal(KexecLoadWarnings.DescriptionTruncated, load.Warnings);
        ReadOnlySpan<byte> blob = s.Machine.Memory.GetSpan(load.Image!.DmCryptKeys.Start, (int)load.Image.DmCryptKeys.Size);
        Assert.True(KeyBlobReader.TryRead(blob, out KeyBlob view, out _));
        Assert.Equal(127, view[0].Description.Length);
        Assert.Equal(new byte[] { 0xaa, 0xbb }, view[0].Key.ToArray());
    }

    [Fact]
    public void The_129th_item_is_accepted_the_130th_refused_and_the_129_entry_blob_restores_nothing()
    {
        using var s = new ModelScenario();
        s.UnlockAndProvision(128);

        // The client warns on the 129th item (configfs accepts it) and refuses the 130th before touching anything.
        LuksVolume extra = s.Unlock(129);
        ConfigfsResult added = s.FirstClient.AddKey(extra.Uuid, extra.KeyDescription);
        Assert.True(added.Succeeded);
        Assert.Equal(ConfigfsWarnings.ItemBeyondKeyLimit, added.Warnings);
        Assert.Equal(ConfigfsStatus.TooManyItems, s.FirstClient.AddKey("one-more", "cryptsetup:one-more").Status);
        Assert.Equal(129, s.First.Configfs.KeyCount);

        // The kernel itself: mkdir is refused only once key_count > 128.
        Assert.Equal(LinuxErrno.EINVAL, s.First.Configfs.MakeItem("one-more"));

        // build_keys_header sizes the blob from the count: 129 entries, total_keys = 129.
        KexecLoadResult load = s.LoadSucceeds();
        Assert.Equal(KexecLoadWarnings.BlobAboveKeyLimit, load.Warnings);
        Assert.Equal(4UL + (388UL * 129), load.Image!.DmCryptKeys.Size);
        Assert.Equal(129u, BinaryPrimitives.ReadUInt32LittleEndian(s.Machine.Memory.GetSpan(load.Image.DmCryptKeys.Start, 4)));

        // The kdump kernel refuses a count above 128 and restores nothing, yet the write to restore succeeds.
        KdumpKernel kdump = s.Crash();
        RestoreWriteResult written = kdump.StoreRestore("yes\n"u8);
        Assert.Equal(LinuxErrno.None, written.Error);
        Assert.Equal(KdumpRestoreStatus.CountTooLarge, written.Outcome!.Status);
        Assert.Equal(KeyBlobError.CountTooLarge, written.Outcome.Problem.Error);
        Assert.Equal(0, kdump.UserKeyring.Count);
        Assert.Equal(CryptsetupStatus.KeyNotFound, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, extra, Cryptsetup.VolumeKeyKeyringSpec(extra)));
    }

    [Fact]
    public void No_key_items_means_no_blob_and_no_dmcryptkeys_parameter()
    {
        using var s = new ModelScenario();

        // crash_load_dm_crypt_keys returns 0 with no items, not -ENOENT (kernel/crash_dump_dm_crypt.c:421-424).
        KexecLoadResult load = s.LoadSucceeds();
        Assert.Equal(LinuxErrno.None, load.Error);

        Assert.Equal(KexecLoadWarnings.NoKeys, load.Warnings);
        Assert.False(load.Image!.HasKeys);
        Assert.Equal($"elfcorehdr=0x{load.Image.ElfCoreHeader.Start:x} irqpoll nr_cpus=1 reset_devices", load.Image.CommandLine);
        Assert.Equal(KdumpRestoreStatus.AddressMissing, s.Crash().RestoreKeys().Status);
    }

    [Fact]
    public void Two_items_with_one_description_build_two_entries_and_the_restore_keeps_one_key()
    {
        using var s = new ModelScenario();
        LuksVolume volume = s.Unlock(1);
        Assert.True(s.FirstClient.AddKey("a", volume.KeyDescription).Succeeded);
        Assert.True(s.FirstClient.AddKey("b", volume.KeyDescription).Succeeded);

        KexecLoadResult load = s.LoadSucceeds();
        Assert.Equal(KexecLoadWarnings.DuplicateDescription, load.Warnings);
        Assert.Equal(780UL, load.Image!.DmCryptKeys.Size);

        // Strict restore refuses the duplicate (create-or-update would silently replace); kernel mode keeps one key.
        Assert.Equal(KeyBlobError.DuplicateDescription, s.Crash().RestoreKeys().Problem.Error);
    }

    [Fact]
    public void A_crashkernel_region_too_small_for_the_blob_fails_with_EADDRNOTAVAIL()
    {
        using var s = new ModelScenario(new KernelModelOptions { CrashKernelSize = 4 * 4096 });
        s.UnlockAndProvision(40); // 15,524 bytes: four pages, and the ELF headers hold one of the four

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.EADDRNOTAVAIL, load.Error);
        Assert.Equal(KexecLoadFailure.NoRoomInCrashKernelRegion, load.Failure);
        Assert.Equal(0, s.First.SavedCopySize);
    }

    [Fact]
    public void The_random_placement_can_fail_with_room_left_below_its_start()
    {
        // locate_mem_hole_bottom_up walks up from start + (end - start) / 65535 * i (include/linux/kexec.h:203-214,
        // kernel/kexec_file.c:517-557) and gives up at the region's end: a 10-page blob in a 16-page region with only
        // the ELF headers' page taken fails for most seeds, though pages 1-10 are free.
        var outcomes = new HashSet<LinuxErrno>();
        for (int seed = 1; seed <= 20; seed++)
        {
            using var s = new ModelScenario(new KernelModelOptions { CrashKernelSize = 16 * 4096, Seed = seed });
            s.UnlockAndProvision(100); // 38,804 bytes: 10 pages
            KexecLoadResult load = s.First.LoadCrashKernel();
            outcomes.Add(load.Error);
            if (load.Succeeded)
            {
                // memsz is rounded up to a page (kernel/kexec_file.c:781); bufsz stays the blob size.
                Assert.Equal(0UL, load.Image!.DmCryptKeys.Start % 4096);
                Assert.Equal(38804UL, load.Image.DmCryptKeys.Size);
            }
        }

        Assert.Equal([LinuxErrno.None, LinuxErrno.EADDRNOTAVAIL], outcomes.Order());
    }

    [Fact]
    public void Entries_follow_configfs_creation_order_and_a_recreated_item_goes_last()
    {
        // build_keys_header walks cg_children (kernel/crash_dump_dm_crypt.c:382-383), to which mkdir appends
        // (list_add_tail, fs/configfs/dir.c:805): creation order, not keyring or name order.
        using var s = new ModelScenario();
        LuksVolume[] volumes = [s.Unlock(1), s.Unlock(2), s.Unlock(3)];
        foreach (LuksVolume v in volumes)
        {
            Assert.True(s.FirstClient.AddKey("item-" + v.Uuid, v.KeyDescription).Succeeded);
        }

        Assert.True(s.FirstClient.RemoveKey("item-" + volumes[0].Uuid).Succeeded);
        Assert.True(s.FirstClient.AddKey("item-" + volumes[0].Uuid, volumes[0].KeyDescription).Succeeded);

        CrashImage image = s.LoadSucceeds().Image!;
        byte[] blob = s.Machine.Memory.GetSpan(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size).ToArray();
        Assert.True(KeyBlobReader.TryRead(blob, out KeyBlob view, out _));
        var order = new List<string>();
        foreach (KeyBlobEntry entry in view)
        {
            order.Add(System.Text.Encoding.UTF8.GetString(entry.Description));
        }

        Assert.Equal([volumes[1].KeyDescription, volumes[2].KeyDescription, volumes[0].KeyDescription], order);
    }
}
