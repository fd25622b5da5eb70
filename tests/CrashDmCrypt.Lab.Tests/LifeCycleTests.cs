using System.Text.Json;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 1 (producer) and 2 (consumer): the real Linux 7.2 first kernel writes the blob, the project must
/// predict it byte for byte and find every copy; the real kdump kernel restores it.
/// </summary>
public sealed class LifeCycleTests(LifeCycleRun run) : IClassFixture<LifeCycleRun>
{
    private static string[] BuildArgs(string output)
    {
        var args = new List<string> { "build", "-o", output };
        foreach ((string description, byte[] key) in LifeCycleRun.Keys)
        {
            args.Add("-k");
            args.Add($"{description}=hex:{Convert.ToHexStringLower(key)}");
        }

        return [.. args];
    }

    private static byte[] ProjectBlob()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-build-").FullName, "blob.bin");
        (int code, _, string stderr) = LabCli.Run(BuildArgs(path));
        Assert.True(code == 0, stderr);
        return File.ReadAllBytes(path);
    }

    [LabFact]
    public void Provision_and_configfs_add_name_every_key_in_the_real_configfs_in_creation_order()
    {
        LifeCycleRun.Result r = run.Get;
        using var provision = JsonDocument.Parse(r.ProvisionJson);
        Assert.Equal("provisioned", provision.RootElement.GetProperty("status").GetString());
        string[] lines = r.ConfigfsList.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // `configfs list` sorts by item name; the blob's order (creation order) is checked byte for byte below.
        string[] expected =
        [
            $"{LifeCycleRun.Uuids[0]}\t{LifeCycleRun.Keys[0].Description}",
            $"{LifeCycleRun.Uuids[1]}\t{LifeCycleRun.Keys[1].Description}",
            $"extra\t{LifeCycleRun.ExtraDescription}",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines);
    }

    [LabFact]
    public void The_blob_at_the_dmcryptkeys_address_is_byte_identical_to_build_of_the_same_keys()
    {
        LifeCycleRun.Result r = run.Get;
        byte[] expected = ProjectBlob();
        var dump = new ElfDumpFile(r.Dump);
        byte[] actual = dump.ReadPhysical(r.BlobAddress, expected.Length);
        Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(actual));
    }

    [LabFact]
    public void Scan_reports_every_copy_the_real_kernel_left_at_its_physical_address()
    {
        LifeCycleRun.Result r = run.Get;
        byte[] blob = ProjectBlob();
        // Outside the tool: every place the exact blob bytes sit in the dump.
        List<ulong> truth = new ElfDumpFile(r.Dump).FindPhysical(blob);
        Assert.Contains(r.BlobAddress, truth);
        Assert.True(truth.Count >= 2, $"expected the reserved-memory copy and the heap keys_header, found {truth.Count}");

        JsonElement scan = LabCli.Json("scan", r.Dump, "--json");
        // The blob findings that name a lab key. The others are chance matches in the guest's memory (a u32 1, a small
        // key_size, a short description among zeros: one described "@\\+_\xf7*:\xff" with a 75-byte key turned up
        // in a CI run), which the scan reports by design as any bytes the codec accepts; they are no copies.
        var labDescriptions = LifeCycleRun.Keys.Select(k => k.Description).ToHashSet(StringComparer.Ordinal);
        var blobs = scan.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() == "blob")
            .Where(f => f.GetProperty("keys").EnumerateArray().Any(k => labDescriptions.Contains(k.GetProperty("description").GetString()!)))
            .ToList();
        foreach (JsonElement finding in blobs)
        {
            Assert.Equal(
                LifeCycleRun.Keys.Select(k => (k.Description, k.Key.Length)),
                finding.GetProperty("keys").EnumerateArray().Select(k => (k.GetProperty("description").GetString()!, k.GetProperty("keySize").GetInt32())));
        }

        // Every exact copy, reported as one the strict reader accepts; no other finding of the lab's keys without
        // problems.
        var exact = blobs.Where(f => f.GetProperty("problems").GetArrayLength() == 0)
            .Select(f => f.GetProperty("address").GetUInt64()).Order().ToList();
        Assert.Equal(truth.Order().ToList(), exact);

        // Any other finding of the lab's keys is a freed or reused copy (issue 20: SLUB keeps its freelist pointer
        // inside a freed keys_header): outside the tool, its bytes must be the blob's except in padding (after a
        // description's NUL, after a key's key_size bytes), and differ there.
        foreach (JsonElement finding in blobs.Where(f => f.GetProperty("problems").GetArrayLength() != 0))
        {
            ulong address = finding.GetProperty("address").GetUInt64();
            byte[] copy = new ElfDumpFile(r.Dump).ReadPhysical(address, blob.Length);
            var differ = Enumerable.Range(0, blob.Length).Where(i => copy[i] != blob[i]).ToList();
            Assert.NotEmpty(differ);
            var outsidePadding = differ.Where(i => !IsPadding(i)).ToList();
            Assert.True(outsidePadding.Count == 0,
                $"blob finding at 0x{address:x} differs from the blob outside padding at offsets {string.Join(", ", outsidePadding)}");
        }
    }

    // Whether byte offset i of the lab's blob is padding: a description's bytes after its NUL, a key's after its size
    // (include/linux/crash_dump.h's entry: u32 key_size, char key_desc[128], u8 data[256]; 4 + 388 * count bytes).
    private static bool IsPadding(int i)
    {
        if (i < 4)
        {
            return false;
        }

        int entry = (i - 4) / 388, within = (i - 4) % 388;
        (string description, byte[] key) = LifeCycleRun.Keys[entry];
        return within switch
        {
            < 4 => false,
            < 4 + 128 => within - 4 > description.Length,
            _ => within - 132 >= key.Length,
        };
    }

    [LabFact]
    public void Dump_read_at_the_address_returns_the_volume_keys()
    {
        LifeCycleRun.Result r = run.Get;
        JsonElement read = LabCli.Json("dump", "read", r.Dump, "--address", $"0x{r.BlobAddress:x}", "--json", "--show-key-material");
        Assert.Empty(read.GetProperty("errors").EnumerateArray());
        var keys = read.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(LifeCycleRun.Keys.Length, keys.Count);
        for (int i = 0; i < keys.Count; i++)
        {
            Assert.Equal(LifeCycleRun.Keys[i].Description, keys[i].GetProperty("description").GetString());
            Assert.Equal(Convert.ToHexStringLower(LifeCycleRun.Keys[i].Key), keys[i].GetProperty("keyHex").GetString());
        }
    }

    [LabFact]
    public void The_real_kdump_kernel_restores_user_keys_equal_to_the_volume_keys()
    {
        LifeCycleRun.Result r = run.Get;
        Assert.Contains("@@ read ret 2 errno 0 data 310a", r.RestoreAnswer, StringComparison.Ordinal); // "1\n"
        var restored = r.RestoredKeys.Where(k => k.Type == "user").OrderBy(k => k.DescriptionText, StringComparer.Ordinal).ToList();
        var expected = LifeCycleRun.Keys.OrderBy(k => k.Description, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(k => k.Description), restored.Select(k => k.DescriptionText));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(Convert.ToHexStringLower(expected[i].Key), Convert.ToHexStringLower(restored[i].Payload));
            // key_create_or_update(..., KEY_USR_ALL, KEY_ALLOC_IN_QUOTA): kernel/crash_dump_dm_crypt.c:71-73
            Assert.Equal(0x003f0000u, restored[i].Permissions);
        }
    }
}
