using System.Text.Json;
using CrashDmCrypt.Cli.Simulate;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Tests;

public sealed class SimulateCommandTests
{
    [Fact]
    public void The_default_run_prints_five_steps_and_a_pass_verdict_and_exits_0()
    {
        CliResult result = CliRunner.Run("simulate");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        string[] lines = result.OutputLines;

        // The text's shape is the tool's words: the step titles, no failure marked, the verdict last. The facts
        // behind each line are the JSON report's (here the defaults; every field in the --json test below).
        Assert.Equal(
            ["1. Boot and unlock the encrypted volumes", "2. Prepare the keys for kdump (kdumpctl prepare_luks)", "3. Load the kdump kernel (kexec_file_load)", "4. Crash, boot the kdump kernel and restore the keys", "5. Write the dump and reboot"],
            lines.Where(IsStepTitle));
        Assert.DoesNotContain(lines, l => l.Contains("FAILED", StringComparison.Ordinal) || l.StartsWith("warning", StringComparison.Ordinal));
        Assert.StartsWith("PASS: 2 of 2 ", lines[^1], StringComparison.Ordinal);
        JsonElement root = Json("simulate", "--json");
        Assert.Equal((2, 1, "cmdline", "strict"), (root.GetProperty("keys").GetInt32(), root.GetProperty("seed").GetInt32(), root.GetProperty("handoff").GetString(), root.GetProperty("mode").GetString()));
        Assert.Equal(2, root.GetProperty("volumesOpened").GetInt32());
        Assert.All(root.GetProperty("boot").GetProperty("volumes").EnumerateArray(), v => Assert.StartsWith(KdumpUtils.KeyDescriptionPrefix, v.GetProperty("keyDescription").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public void The_device_tree_run_hands_over_the_property_the_kdump_kernel_reads()
    {
        JsonElement root = Json("simulate", "--handoff", "dtb", "--keys", "3", "--seed", "4", "--json");

        JsonElement property = root.GetProperty("load").GetProperty("deviceTree").GetProperty("dmCryptKeys");
        Assert.Equal(root.GetProperty("blobAddress").GetUInt64(), property.GetProperty("address").GetUInt64());
        Assert.Equal(0x490, property.GetProperty("size").GetInt32());
        Assert.Equal("irqpoll nr_cpus=1 reset_devices", root.GetProperty("kdumpCommandLine").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_output_is_the_same_for_a_seed_and_never_shows_key_bytes(bool json)
    {
        string[] args = json ? ["simulate", "--keys", "3", "--seed", "9", "--json"] : ["simulate", "--keys", "3", "--seed", "9"];
        CliResult a = CliRunner.Run(args);
        CliResult b = CliRunner.Run(args);

        Assert.Equal(a.Output, b.Output);

        // The model derives keys from the seed: rebuild them and look for any 8-byte window in hex.
        var random = new Random(9);
        byte[] uuid = new byte[16];
        byte[] key = new byte[64];
        for (int i = 0; i < 3; i++)
        {
            random.NextBytes(uuid);
            random.NextBytes(key);

            // The rebuild matches the run (its volume UUIDs are printed), so the search below is meaningful.
            Assert.Contains(FormatUuid(uuid), a.Output, StringComparison.Ordinal);
            for (int at = 0; at + 8 <= key.Length; at += 8)
            {
                Assert.DoesNotContain(Convert.ToHexStringLower(key, at, 8), a.Output, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void Json_gives_the_counts_the_verdict_and_each_steps_fields()
    {
        CliResult result = CliRunner.Run("simulate", "--keys", "4", "--seed", "5", "--handoff", "dtb", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal(4, root.GetProperty("keys").GetInt32());
        Assert.Equal(5, root.GetProperty("seed").GetInt32());
        Assert.Equal("dtb", root.GetProperty("handoff").GetString());
        Assert.Equal("strict", root.GetProperty("mode").GetString());
        Assert.Equal(64, root.GetProperty("keySize").GetInt32());
        Assert.Equal(300, root.GetProperty("keyTimeoutSeconds").GetInt32());
        Assert.True(root.GetProperty("succeeded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("failure").ValueKind);
        Assert.Equal(4, root.GetProperty("keysProvisioned").GetInt32());
        int blobSize = root.GetProperty("blobSize").GetInt32();
        ulong blobAddress = root.GetProperty("blobAddress").GetUInt64();
        Assert.Equal(4 + (388 * 4), blobSize);
        Assert.Equal(0UL, blobAddress % 4096);
        Assert.Equal(4, root.GetProperty("keysRestored").GetInt32());
        Assert.Equal(4, root.GetProperty("volumesOpened").GetInt32());
        Assert.False(root.GetProperty("memoryZeroised").GetBoolean());
        Assert.Equal("irqpoll nr_cpus=1 reset_devices", root.GetProperty("kdumpCommandLine").GetString());

        foreach (string step in (string[])["boot", "configfs", "load", "restore", "dump"])
        {
            Assert.True(root.GetProperty(step).GetProperty("succeeded").GetBoolean(), step);
        }

        JsonElement boot = root.GetProperty("boot");
        Assert.Equal(0x2b10_0000UL, boot.GetProperty("crashKernelRegion").GetProperty("address").GetUInt64());
        Assert.Equal(1UL << 20, boot.GetProperty("crashKernelRegion").GetProperty("size").GetUInt64());
        Assert.Equal(3UL << 20, boot.GetProperty("memory").GetProperty("size").GetUInt64());
        JsonElement[] volumes = [.. boot.GetProperty("volumes").EnumerateArray()];
        Assert.Equal(4, volumes.Length);
        string[] uuids = [.. volumes.Select(v => v.GetProperty("uuid").GetString()!)];
        Assert.All(volumes, v => Assert.Equal("kdump-cryptsetup:vk-" + v.GetProperty("uuid").GetString(), v.GetProperty("keyDescription").GetString()));
        Assert.All(volumes, v => Assert.Equal(64, v.GetProperty("keySize").GetInt32()));
        Assert.All(volumes, v => Assert.Equal(JsonValueKind.Null, v.GetProperty("errno").ValueKind));

        JsonElement configfs = root.GetProperty("configfs");
        Assert.Equal("/sys/kernel/config/crash_dm_crypt_keys", configfs.GetProperty("root").GetString());
        Assert.False(configfs.GetProperty("reuseBefore").GetBoolean());
        Assert.False(configfs.GetProperty("skippedForReuse").GetBoolean());
        Assert.Equal(300, configfs.GetProperty("keyTimeoutSeconds").GetInt32());
        Assert.Equal(4, configfs.GetProperty("itemsCreated").GetInt32());
        Assert.Equal(4, configfs.GetProperty("count").GetInt32());
        JsonElement[] items = [.. configfs.GetProperty("items").EnumerateArray()];
        Assert.Equal(uuids, items.Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(volumes.Select(v => v.GetProperty("keyDescription").GetString()), items.Select(i => i.GetProperty("description").GetString()));
        Assert.All(items, i => Assert.True(i.GetProperty("succeeded").GetBoolean()));
        Assert.All(items, i => Assert.Equal(JsonValueKind.Null, i.GetProperty("logonKeyLookup").ValueKind));
        Assert.All(items, i => Assert.Equal(JsonValueKind.Null, i.GetProperty("timeoutSet").ValueKind));
        Assert.All(items, i => Assert.Equal("ok", i.GetProperty("configfs").GetProperty("status").GetString()));
        Assert.All(items, i => Assert.Equal(JsonValueKind.Null, i.GetProperty("configfs").GetProperty("errno").ValueKind));
        Assert.All(items, i => Assert.Equal(0, i.GetProperty("configfs").GetProperty("warnings").GetArrayLength()));

        JsonElement load = root.GetProperty("load");
        Assert.Equal(JsonValueKind.Null, load.GetProperty("errno").ValueKind);
        Assert.Equal(JsonValueKind.Null, load.GetProperty("failure").ValueKind);
        Assert.Equal(JsonValueKind.Null, load.GetProperty("failedItem").ValueKind);
        Assert.Equal(0, load.GetProperty("warnings").GetArrayLength());
        Assert.Equal(blobAddress, load.GetProperty("blob").GetProperty("address").GetUInt64());
        Assert.Equal(blobSize, load.GetProperty("blob").GetProperty("size").GetInt32());
        Assert.Equal(4, load.GetProperty("blob").GetProperty("keys").GetInt32());
        Assert.Equal(4096, load.GetProperty("elfCoreHeader").GetProperty("size").GetInt32());
        JsonElement property = load.GetProperty("deviceTree").GetProperty("dmCryptKeys");
        Assert.Equal(blobAddress, property.GetProperty("address").GetUInt64());
        Assert.Equal(blobSize, property.GetProperty("size").GetInt32());
        Assert.True(load.GetProperty("deviceTree").GetProperty("size").GetInt32() > 0);
        Assert.Equal(blobSize, load.GetProperty("savedCopySize").GetInt32());
        JsonElement copy = Assert.Single(load.GetProperty("firstKernelPlaintextCopies").EnumerateArray());
        Assert.Equal("keysHeader", copy.GetProperty("kind").GetString());
        Assert.Equal(blobSize, copy.GetProperty("size").GetInt32());
        Assert.Equal(4, copy.GetProperty("keys").GetInt32());
        Assert.Equal(4, load.GetProperty("itemsRemoved").GetInt32());
        Assert.Equal(0, load.GetProperty("countAfterCleanup").GetInt32());
        Assert.True(load.GetProperty("blobIntactAfterCleanup").GetBoolean());
        Assert.Equal(360, load.GetProperty("waitedSeconds").GetInt32());
        Assert.Equal("ENOKEY", load.GetProperty("logonKeyAfterWait").GetString());
        Assert.Equal("EKEYEXPIRED", load.GetProperty("logonKeySearchAfterWait").GetString());
        Assert.Equal(JsonValueKind.Null, load.GetProperty("realKeyTimeoutSeconds").ValueKind);

        JsonElement restore = root.GetProperty("restore");
        Assert.False(restore.GetProperty("write").GetProperty("before").GetBoolean());
        Assert.True(restore.GetProperty("write").GetProperty("written").GetBoolean());
        Assert.Equal(JsonValueKind.Null, restore.GetProperty("write").GetProperty("errno").ValueKind);
        Assert.Equal("restored", restore.GetProperty("status").GetString());
        Assert.Equal(blobAddress, restore.GetProperty("address").GetUInt64());
        Assert.Equal(4, restore.GetProperty("totalKeys").GetInt32());
        Assert.Equal(4, restore.GetProperty("keysRestored").GetInt32());
        JsonElement kdumpCopy = Assert.Single(restore.GetProperty("kdumpPlaintextCopies").EnumerateArray());
        Assert.Equal("kdumpKeysHeader", kdumpCopy.GetProperty("kind").GetString());
        Assert.Equal(blobSize, kdumpCopy.GetProperty("size").GetInt32());
        Assert.Equal(4, kdumpCopy.GetProperty("keys").GetInt32());
        Assert.Equal(0, restore.GetProperty("keysRefused").GetInt32());
        Assert.Equal(JsonValueKind.Null, restore.GetProperty("problem").ValueKind);
        Assert.Equal(JsonValueKind.Null, restore.GetProperty("commandLineError").ValueKind);
        Assert.Equal(JsonValueKind.Null, restore.GetProperty("deviceTreeError").ValueKind);
        Assert.False(restore.TryGetProperty("oldMemoryZeroised", out _));
        JsonElement[] opened = [.. restore.GetProperty("volumes").EnumerateArray()];
        Assert.Equal(uuids, opened.Select(v => v.GetProperty("uuid").GetString()));
        Assert.All(opened, v => Assert.Equal("opened", v.GetProperty("status").GetString()));
        Assert.All(opened, v => Assert.Equal("%user:kdump-cryptsetup:vk-" + v.GetProperty("uuid").GetString(), v.GetProperty("keyringSpec").GetString()));

        JsonElement dump = root.GetProperty("dump");
        Assert.True(dump.GetProperty("vmcoreWritten").GetBoolean());
        Assert.False(dump.GetProperty("blobZeroised").GetBoolean());
        Assert.NotEqual(0, dump.GetProperty("nonZeroBytes").GetInt32());
        JsonElement blob = Assert.Single(dump.GetProperty("blobs").EnumerateArray());
        Assert.Equal(blobAddress, blob.GetProperty("address").GetUInt64());
        Assert.Equal(blobSize, blob.GetProperty("size").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("hotplug").ValueKind);
        Assert.Equal(4, dump.GetProperty("userKeysZeroised").GetInt32());
    }

    [Fact]
    public void Json_on_the_command_line_handoff_names_the_blob_in_dmcryptkeys_and_has_no_device_tree()
    {
        CliResult result = CliRunner.Run("simulate", "--json", "--mode", "kernel");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("cmdline", root.GetProperty("handoff").GetString());
        Assert.Equal("kernel", root.GetProperty("mode").GetString());
        ulong address = root.GetProperty("blobAddress").GetUInt64();
        Assert.Contains($" dmcryptkeys=0x{address:x} ", root.GetProperty("kdumpCommandLine").GetString()!, StringComparison.Ordinal);
        Assert.Equal(root.GetProperty("kdumpCommandLine").GetString(), root.GetProperty("load").GetProperty("commandLine").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("load").GetProperty("deviceTree").ValueKind);
    }

    [Fact]
    public void The_129th_volume_shows_the_kernel_quirk_and_exits_1()
    {
        CliResult result = CliRunner.Run("simulate", "--keys", "129");

        // The text names three volumes and counts the rest, and ends with the verdict; the facts are the JSON test's.
        Assert.Equal(1, result.ExitCode);
        string[] lines = result.OutputLines;
        Assert.Contains("... and 126 more", lines);
        Assert.StartsWith("FAIL: 0 of 129 volume(s) unlocked", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_129th_volume_in_json_gives_the_failure_and_the_codecs_code_and_exits_1()
    {
        CliResult result = CliRunner.Run("simulate", "--keys", "129", "--json");

        Assert.Equal(1, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.False(root.GetProperty("succeeded").GetBoolean());
        Assert.Equal("restoreFailed", root.GetProperty("failure").GetString());
        Assert.Equal(129, root.GetProperty("keysProvisioned").GetInt32());
        Assert.Equal(0, root.GetProperty("volumesOpened").GetInt32());
        Assert.False(root.GetProperty("memoryZeroised").GetBoolean());
        JsonElement[] items = [.. root.GetProperty("configfs").GetProperty("items").EnumerateArray()];
        Assert.Equal(["itemBeyondKeyLimit"], items[128].GetProperty("configfs").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.All(items.Take(128), i => Assert.Equal(0, i.GetProperty("configfs").GetProperty("warnings").GetArrayLength()));
        Assert.Equal(["blobAboveKeyLimit"], root.GetProperty("load").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(129, root.GetProperty("load").GetProperty("blob").GetProperty("keys").GetInt32());
        JsonElement restore = root.GetProperty("restore");
        Assert.False(restore.GetProperty("succeeded").GetBoolean());
        Assert.Equal("countTooLarge", restore.GetProperty("status").GetString());
        Assert.Equal(129, restore.GetProperty("totalKeys").GetInt32());
        Assert.Equal("CDC003", restore.GetProperty("problem").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, restore.GetProperty("problem").GetProperty("entry").ValueKind);
        Assert.Equal(0, restore.GetProperty("problem").GetProperty("offset").GetInt32());
        Assert.Equal(0, restore.GetProperty("keysRestored").GetInt32());
        Assert.Equal(129, restore.GetProperty("volumes").GetArrayLength());
        Assert.All(restore.GetProperty("volumes").EnumerateArray(), v => Assert.Equal("keyNotFound", v.GetProperty("status").GetString()));
        JsonElement dump = root.GetProperty("dump");
        Assert.False(dump.GetProperty("succeeded").GetBoolean());
        Assert.False(dump.GetProperty("vmcoreWritten").GetBoolean());
        Assert.False(dump.GetProperty("blobZeroised").GetBoolean());
        Assert.True(dump.GetProperty("nonZeroBytes").GetInt32() > 0);
    }

    [Fact]
    public void A_hot_plug_as_kdump_utils_intends_it_prints_a_sixth_step_and_why_the_reload_carries_no_blob()
    {
        CliResult result = CliRunner.Run("simulate", "--hotplug");

        Assert.Equal(1, result.ExitCode);
        string[] lines = result.OutputLines;
        Assert.Equal(
            ["1. Boot and unlock the encrypted volumes", "2. Prepare the keys for kdump (kdumpctl prepare_luks)", "3. Load the kdump kernel (kexec_file_load)", "4. CPU hot-plug: kdump-udev-throttler reloads the kdump kernel -- FAILED", "5. Crash, boot the kdump kernel and restore the keys -- FAILED", "6. Write the dump and reboot -- FAILED"],
            lines.Where(IsStepTitle));

        JsonElement root = Json("simulate", "--hotplug", "--json");
        Assert.Equal("restoreFailed", root.GetProperty("failure").GetString());
        Assert.False(root.GetProperty("restore").GetProperty("succeeded").GetBoolean());
        Assert.False(root.GetProperty("dump").GetProperty("succeeded").GetBoolean());
        Assert.Equal(0, root.GetProperty("volumesOpened").GetInt32());
        Assert.Equal(0, root.GetProperty("blobSize").GetInt32());
        JsonElement hotplug = root.GetProperty("hotplug");
        Assert.False(hotplug.GetProperty("succeeded").GetBoolean());
        Assert.False(hotplug.GetProperty("asWritten").GetBoolean());
        Assert.Equal("ok", hotplug.GetProperty("reuseWrite").GetProperty("status").GetString());
        Assert.True(hotplug.GetProperty("prepare").GetProperty("skippedForReuse").GetBoolean());
        Assert.Equal(0, hotplug.GetProperty("prepare").GetProperty("items").GetArrayLength());
        JsonElement reload = hotplug.GetProperty("reload");
        Assert.True(reload.GetProperty("succeeded").GetBoolean());
        Assert.Equal(["noKeys"], reload.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(JsonValueKind.Null, reload.GetProperty("blob").ValueKind);
        Assert.DoesNotContain("dmcryptkeys", reload.GetProperty("commandLine").GetString()!, StringComparison.Ordinal);
        Assert.Equal(0, hotplug.GetProperty("itemsRemoved").GetInt32());
        Assert.Equal(0, root.GetProperty("load").GetProperty("countAfterCleanup").GetInt32());
        Assert.Equal("kernelRefused", hotplug.GetProperty("unuseWrite").GetProperty("status").GetString());
        Assert.Equal("EINVAL", hotplug.GetProperty("unuseWrite").GetProperty("errno").GetString());
        Assert.Equal("addressMissing", root.GetProperty("restore").GetProperty("status").GetString());
        Assert.Equal("CDC101", root.GetProperty("restore").GetProperty("commandLineError").GetString());
        Assert.Equal(root.GetProperty("load").GetProperty("blob").GetProperty("address").GetUInt64(), root.GetProperty("dump").GetProperty("blobs")[0].GetProperty("address").GetUInt64());
        Assert.True(root.GetProperty("dump").GetProperty("nonZeroBytes").GetInt32() > 0);
    }

    [Fact]
    public void The_kdump_utils_reuse_bug_shows_the_write_that_never_happens_next_to_the_intended_one()
    {
        CliResult result = CliRunner.Run("simulate", "--kdump-utils-reuse-bug");

        // The text quotes the guard as kdump-utils writes it next to the intended write; the facts are the JSON's.
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            "reuse_luks_keys as written: [[ -f /sys/kernel/config/crash_dm_crypt_keys/reuse ]] || echo 1 > /sys/kernel/config/crash_dm_crypt_keys/reuse: the file exists, so nothing is written (intended: echo 1 > /sys/kernel/config/crash_dm_crypt_keys/reuse)",
            result.OutputLines);

        // Alone, and with --hotplug too (the defect wins), the same facts.
        foreach (string[] arguments in (string[][])[["simulate", "--kdump-utils-reuse-bug", "--json"], ["simulate", "--hotplug", "--kdump-utils-reuse-bug", "--json"]])
        {
            JsonElement root = Json(arguments);
            Assert.Equal("noCrashKernel", root.GetProperty("failure").GetString());
            AssertReuseBug(root);
        }
    }

    private static void AssertReuseBug(JsonElement root)
    {
        JsonElement hotplug = root.GetProperty("hotplug");
        Assert.False(hotplug.GetProperty("succeeded").GetBoolean());
        Assert.False(hotplug.GetProperty("prepare").GetProperty("succeeded").GetBoolean());
        Assert.True(hotplug.GetProperty("asWritten").GetBoolean());
        Assert.Equal(JsonValueKind.Null, hotplug.GetProperty("reuseWrite").ValueKind);
        Assert.Equal(JsonValueKind.Null, hotplug.GetProperty("unuseWrite").ValueKind);
        Assert.False(hotplug.GetProperty("prepare").GetProperty("reuseBefore").GetBoolean());
        Assert.Equal("ENOKEY", hotplug.GetProperty("prepare").GetProperty("items")[0].GetProperty("logonKeyLookup").GetString());
        Assert.Equal("EKEYEXPIRED", hotplug.GetProperty("prepare").GetProperty("items")[0].GetProperty("logonKeySearch").GetString());
        Assert.Equal(JsonValueKind.Null, hotplug.GetProperty("reload").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("restore").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("dump").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("kdumpCommandLine").ValueKind);
    }

    [Theory]
    [InlineData("--keys", "0")]
    [InlineData("--keys", "130")]
    [InlineData("--handoff", "usb")]
    [InlineData("--mode", "lenient")]
    public void Bad_options_exit_2(string option, string value)
    {
        CliResult result = CliRunner.Run("simulate", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }

    public static TheoryData<KexecLoadFailure, LinuxErrno, string> LoadFailures => new()
    {
        { KexecLoadFailure.NoDescription, LinuxErrno.EINVAL, "key item 'bare' has no description: EINVAL (invalid argument)" },
        { KexecLoadFailure.LogonKeyNotFound, LinuxErrno.ENOKEY, "key item 'bare': no logon key 'cryptsetup:x': ENOKEY (required key not available)" },
        { KexecLoadFailure.LogonKeyExpired, LinuxErrno.ENOKEY, "key item 'bare': logon key 'cryptsetup:x' has expired, and request_key passes over expired keys: ENOKEY (required key not available)" },
        { KexecLoadFailure.KeyTooLarge, LinuxErrno.EINVAL, "key item 'bare': logon key 'cryptsetup:x' is larger than 256 bytes: EINVAL (invalid argument)" },
        { KexecLoadFailure.NoRoomInCrashKernelRegion, LinuxErrno.EADDRNOTAVAIL, "no room for the blob in the crashkernel region: EADDRNOTAVAIL (cannot assign requested address)" },
    };

    [Fact]
    public void Each_plaintext_copy_the_first_kernel_holds_gets_its_own_line_with_its_size_and_keys()
    {
        // kernel/crash_dump_dm_crypt.c:372-373 and :444 (kvfree without clearing), :389-401 (a failed build returns
        // with keys_header allocated), :375 and :435 (kept for reuse).
        PlaintextCopy[] copies =
        [
            new(PlaintextCopyKind.FreedKeysHeader, 780, 2),
            new(PlaintextCopyKind.PartialKeysHeader, 1168, 1),
            new(PlaintextCopyKind.KeysHeader, 392, 1),
        ];

        string[] lines = [.. LifeCycleText.FirstKernelCopyLines(copies)];

        Assert.Equal(3, lines.Length);
        Assert.Equal(3, lines.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("780", lines[0], StringComparison.Ordinal);
        Assert.Contains("1168", lines[1], StringComparison.Ordinal);
        Assert.Contains("392", lines[2], StringComparison.Ordinal);
        Assert.Empty(LifeCycleText.FirstKernelCopyLines([]));
    }

    [Theory]
    [MemberData(nameof(LoadFailures))]
    public void Every_load_failure_is_worded_by_the_tool_with_the_item_and_the_errno(KexecLoadFailure failure, LinuxErrno errno, string expected)
    {
        var load = new KexecLoadResult { Error = errno, Failure = failure, FailedItem = "bare", LookedUpDescription = "cryptsetup:x" };

        Assert.Equal(expected, LifeCycleText.Describe(load));
    }

    public static TheoryData<KdumpRestoreStatus, string> RestoreOutcomes => new()
    {
        { KdumpRestoreStatus.Restored, "2 key(s) restored from 0x2b140000, 1 refused by the keyring" },
        { KdumpRestoreStatus.AddressMissing, "no blob address was handed over (command line: CDC101 no dmcryptkeys= parameter on the command line (before any --))" },
        { KdumpRestoreStatus.AddressInvalid, "the blob address was refused (device tree: CDC202 not a flattened device tree (bad magic))" },
        { KdumpRestoreStatus.AddressMisaligned, "address 0x2b140000 is not 4 KiB-aligned" },
        { KdumpRestoreStatus.AddressOutsideRegion, "the blob at 0x2b140000 does not lie inside the crashkernel region" },
        { KdumpRestoreStatus.CountTooLarge, "the blob at 0x2b140000 announces 3 keys, more than 128; nothing restored (CDC003 header at offset 0: " },
        { KdumpRestoreStatus.BlobRefused, "the blob at 0x2b140000 is refused: CDC003 header at offset 0: " },
        { KdumpRestoreStatus.SizeMismatch, "the device tree's size for the blob at 0x2b140000 does not match its total_keys (3)" },
    };

    [Theory]
    [MemberData(nameof(RestoreOutcomes))]
    public void Every_restore_outcome_is_worded_by_the_tool(KdumpRestoreStatus status, string expected)
    {
        var outcome = new KdumpRestoreOutcome
        {
            Status = status,
            Address = 0x2b14_0000,
            TotalKeys = 3,
            KeysRestored = 2,
            KeysRefused = 1,
            Problem = CountTooLarge(),
            CommandLineError = status == KdumpRestoreStatus.AddressMissing ? CommandLineError.ParameterMissing : CommandLineError.None,
            DeviceTreeError = status == KdumpRestoreStatus.AddressInvalid ? DeviceTreeError.BadMagic : DeviceTreeError.None,
        };

        Assert.StartsWith(expected, LifeCycleText.Describe(outcome), StringComparison.Ordinal);
    }

    // A problem as the codec reports it (its fields cannot be set from outside): a count of 129.
    private static KeyBlobProblem CountTooLarge()
    {
        Assert.False(KeyBlobReader.TryRead([129, 0, 0, 0], out _, out KeyBlobProblem problem));
        Assert.Equal(KeyBlobError.CountTooLarge, problem.Error);
        return problem;
    }

    [Fact]
    public void Every_cryptsetup_status_has_its_own_words()
    {
        CryptsetupStatus[] all = Enum.GetValues<CryptsetupStatus>();
        string[] words = [.. all.Select(LifeCycleText.Describe)];

        Assert.Equal(all.Length, words.Distinct().Count());
        Assert.DoesNotContain(words, w => Enum.TryParse<CryptsetupStatus>(w, out _));
    }

    [Fact]
    public void A_run_stopped_by_configfs_or_by_the_load_prints_the_steps_reached_and_the_reason()
    {
        LifeCycleReport passed = KdumpLifeCycle.Run(new LifeCycleOptions());
        ConfigfsItemOutcome first = passed.Configfs.Items[0];
        var refusedItem = new ConfigfsItemOutcome
        {
            Name = "second",
            Description = "cryptsetup:second",
            Result = default(ConfigfsResult) with { Status = ConfigfsStatus.KernelRefused, Errno = LinuxErrno.EINVAL },
        };
        var refused = new LifeCycleReport
        {
            Options = passed.Options,
            Boot = passed.Boot,
            Configfs = new ConfigfsStep { Items = [first, refusedItem] },
            Failure = LifeCycleFailure.ConfigfsRefused,
        };
        var unloaded = new LifeCycleReport
        {
            Options = passed.Options,
            Boot = passed.Boot,
            Configfs = passed.Configfs,
            Load = new LoadStep { Load = new KexecLoadResult { Error = LinuxErrno.ENOKEY, Failure = KexecLoadFailure.LogonKeyNotFound, FailedItem = "a", LookedUpDescription = "cryptsetup:a" } },
            Failure = LifeCycleFailure.LoadFailed,
        };

        var keyless = new LifeCycleReport
        {
            Options = passed.Options,
            Boot = passed.Boot,
            Configfs = new ConfigfsStep
            {
                Items = [first, new ConfigfsItemOutcome { Name = "second", Description = "kdump-cryptsetup:vk-second", LogonKeyLookup = LinuxErrno.ENOKEY, LogonKeySearch = LinuxErrno.EKEYEXPIRED }],
            },
            Failure = LifeCycleFailure.LogonKeyUnavailable,
        };

        JsonElement keylessJson = JsonOf(keyless);
        Assert.Equal("logonKeyUnavailable", keylessJson.GetProperty("failure").GetString());
        Assert.False(keylessJson.GetProperty("configfs").GetProperty("succeeded").GetBoolean());
        JsonElement missing = keylessJson.GetProperty("configfs").GetProperty("items")[1];
        Assert.False(missing.GetProperty("succeeded").GetBoolean());
        Assert.Equal("ENOKEY", missing.GetProperty("logonKeyLookup").GetString());
        Assert.Equal("EKEYEXPIRED", missing.GetProperty("logonKeySearch").GetString());
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("configfs").ValueKind);
        Assert.Equal(1, keylessJson.GetProperty("configfs").GetProperty("itemsCreated").GetInt32());

        // Each stopped run still renders as text, the failed step last and the verdict after it.
        foreach ((LifeCycleReport stopped, int step) in (ReadOnlySpan<(LifeCycleReport, int)>)[(refused, 2), (unloaded, 3), (keyless, 2)])
        {
            string[] text = Render(stopped);
            Assert.StartsWith(step.ToString(System.Globalization.CultureInfo.InvariantCulture) + ". ", text.Last(IsStepTitle), StringComparison.Ordinal);
            Assert.StartsWith("FAIL: ", text[^1], StringComparison.Ordinal);
        }

        JsonElement refusedJson = JsonOf(refused);
        Assert.False(refusedJson.GetProperty("configfs").GetProperty("succeeded").GetBoolean());
        Assert.Equal(1, refusedJson.GetProperty("configfs").GetProperty("itemsCreated").GetInt32());
        Assert.False(JsonOf(unloaded).GetProperty("load").GetProperty("succeeded").GetBoolean());

        foreach (LifeCycleReport stopped in (LifeCycleReport[])[refused, unloaded, keyless])
        {
            using var document = new Common.JsonOutput();
            LifeCycleJson.Write(document.Writer, stopped);
            using var text = new StringWriter();
            document.WriteTo(text);
            using JsonDocument json = JsonDocument.Parse(text.ToString());
            JsonElement root = json.RootElement;
            Assert.False(root.GetProperty("succeeded").GetBoolean());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("restore").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("dump").ValueKind);
            Assert.Equal(JsonValueKind.Null, root.GetProperty("kdumpCommandLine").ValueKind);
        }

        Assert.Equal("configfsRefused", JsonOf(refused).GetProperty("failure").GetString());
        Assert.Equal("kernelRefused", JsonOf(refused).GetProperty("configfs").GetProperty("items")[1].GetProperty("configfs").GetProperty("status").GetString());
        Assert.Equal("EINVAL", JsonOf(refused).GetProperty("configfs").GetProperty("items")[1].GetProperty("configfs").GetProperty("errno").GetString());
        Assert.Equal(JsonValueKind.Null, JsonOf(refused).GetProperty("load").ValueKind);
        Assert.Equal("loadFailed", JsonOf(unloaded).GetProperty("failure").GetString());
        JsonElement load = JsonOf(unloaded).GetProperty("load");
        Assert.Equal("ENOKEY", load.GetProperty("errno").GetString());
        Assert.Equal("logonKeyNotFound", load.GetProperty("failure").GetString());
        Assert.Equal("a", load.GetProperty("failedItem").GetString());
        Assert.Equal("cryptsetup:a", load.GetProperty("lookedUpDescription").GetString());
        Assert.Equal(JsonValueKind.Null, load.GetProperty("blob").ValueKind);

        static string[] Render(LifeCycleReport report)
        {
            using var output = new StringWriter();
            LifeCycleText.Write(output, report);
            return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        static JsonElement JsonOf(LifeCycleReport report)
        {
            using var document = new Common.JsonOutput();
            LifeCycleJson.Write(document.Writer, report);
            using var text = new StringWriter();
            document.WriteTo(text);
            return JsonDocument.Parse(text.ToString()).RootElement.Clone();
        }
    }

    private static JsonElement Json(params string[] arguments)
    {
        CliResult result = CliRunner.Run(arguments);
        Assert.True(result.ExitCode is 0 or 1, result.ToString());
        using JsonDocument json = JsonDocument.Parse(result.Output);
        return json.RootElement.Clone();
    }

    private static bool IsStepTitle(string line) => line.Length > 2 && char.IsAsciiDigit(line[0]) && line[1] == '.';

    // The model's UUID layout: 16 seeded bytes with the version 4 and variant bits set, printed big-endian.
    private static string FormatUuid(byte[] bytes)
    {
        byte[] b = [.. bytes];
        b[6] = (byte)((b[6] & 0x0f) | 0x40);
        b[8] = (byte)((b[8] & 0x3f) | 0x80);
        return new Guid(b, bigEndian: true).ToString();
    }
}
