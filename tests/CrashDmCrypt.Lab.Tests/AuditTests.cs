using System.Text.Json;
using Xunit.Abstractions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// The audit's acceptance on real memory (issue "no key left behind"): on scenario 5's dump of a real 7.2 kernel
/// with a dm-crypt volume, `scan` reports every copy of every form of the volume key that a search outside the
/// project finds (raw bytes; each XTS half's AES encryption and decryption schedules from the lab's own FIPS-197
/// expansion), aeskeyfind's findings are a subset of those, and after `scrub` none of those byte sequences is left
/// anywhere in the file.
/// </summary>
[Collection(RealDumpGroup.Name)]
public sealed class AuditTests(RealDumpRun run, ITestOutputHelper output)
{
    /// <summary>Every form of the volume key the lab searches for, by name.</summary>
    internal static IEnumerable<(string Form, byte[] Bytes)> Forms()
    {
        byte[] key = RealDumpRun.VolumeKey;
        yield return ("raw key", key);
        foreach ((string half, byte[] part) in new[] { ("first half", key[..32]), ("second half", key[32..]) })
        {
            yield return ($"{half} raw", part);
            yield return ($"{half} encryption schedule", FipsAes.EncryptionSchedule(part));
            yield return ($"{half} decryption schedule", FipsAes.DecryptionSchedule(part));
        }
    }

    [LabFact]
    public void Scan_reports_every_form_of_the_volume_key_a_search_outside_the_tool_finds()
    {
        var dump = new ElfDumpFile(run.Dump);
        JsonElement scan = LabCli.Json("scan", run.Dump, "--json");
        var findings = scan.GetProperty("findings").EnumerateArray().ToList();
        // Where the project says a form of this key lies: blobs and entries cover their keys; raw copies and
        // schedules cover their own length.
        var covered = findings
            .Where(f => f.GetProperty("address").ValueKind == JsonValueKind.Number)
            .Select(f => (Start: f.GetProperty("address").GetUInt64(), Kind: f.GetProperty("kind").GetString()!,
                Length: f.TryGetProperty("length", out JsonElement l) && l.ValueKind == JsonValueKind.Number ? l.GetUInt64() : Size(f)))
            .ToList();
        var missing = new List<string>();
        foreach ((string form, byte[] bytes) in Forms())
        {
            foreach (ulong at in dump.FindPhysical(bytes))
            {
                if (!covered.Any(c => at >= c.Start && at + (ulong)bytes.Length <= c.Start + c.Length))
                {
                    missing.Add($"{form} at 0x{at:x}");
                }
            }
        }

        output.WriteLine(string.Join('\n', findings.Select(f => $"{f.GetProperty("kind").GetString()} {(f.TryGetProperty("part", out JsonElement p) ? p.GetString() : "")} {(f.TryGetProperty("schedule", out JsonElement s) ? s.GetString() : "")} at 0x{f.GetProperty("address").GetUInt64():x}")));
        Assert.True(missing.Count == 0, "scan missed: " + string.Join("; ", missing));
        Assert.Contains(findings, f => f.GetProperty("kind").GetString() == "aes-schedule");
        Assert.Contains(findings, f => f.GetProperty("kind").GetString() == "raw-key");
    }

    [LabFact]
    public void Aeskeyfind_finds_nothing_the_scan_does_not()
    {
        LabInstall.Need("aeskeyfind", "aeskeyfind");
        string keys = LabImages.Run("aeskeyfind", "-q", run.Dump);
        var found = keys.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        output.WriteLine("aeskeyfind: " + string.Join(", ", found.Select(k => k[..8] + "…")));
        Assert.NotEmpty(found);
        byte[] key = RealDumpRun.VolumeKey;
        var halves = new[] { Convert.ToHexStringLower(key[..32]), Convert.ToHexStringLower(key[32..]) };
        // Every key aeskeyfind recovers is a half of the volume key, whose schedules the scan reports (test above).
        Assert.All(found, k => Assert.Contains(k, halves));
    }

    [LabFact]
    public void After_scrub_no_form_of_the_key_is_left_anywhere_in_the_file()
    {
        string output2 = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-scrub-").FullName, "scrubbed.elf");
        (int code, string stdout, string stderr) = LabCli.Run("scrub", run.Dump, "-o", output2);
        output.WriteLine(stdout + stderr);
        Assert.True(code == 0, $"scrub exited {code}: {stdout}\n{stderr}");
        byte[] file = File.ReadAllBytes(output2);
        var left = Forms().Where(f => file.AsSpan().IndexOf(f.Bytes) >= 0).Select(f => f.Form).ToList();
        Directory.Delete(Path.GetDirectoryName(output2)!, recursive: true);
        Assert.True(left.Count == 0, "left in the scrubbed file: " + string.Join(", ", left));
    }

    private static ulong Size(JsonElement finding) => finding.GetProperty("kind").GetString() switch
    {
        "blob" => 4 + (388UL * (ulong)finding.GetProperty("count").GetInt32()),
        "entry" => 388,
        _ => 0,
    };
}
