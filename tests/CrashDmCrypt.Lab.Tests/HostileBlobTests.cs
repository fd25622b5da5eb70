using System.Collections.Concurrent;
using System.Text;
using Xunit.Abstractions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 3: our writer's blobs and hostile blobs, read by the real kdump kernel's restore. For each, the keys
/// the real kernel added (description, length, SHA-256 of the payload) must be exactly what the project's kernel
/// mode predicts. The table is written to artifacts/lab/x86_64/hostile-blobs.md.
/// </summary>
public sealed class HostileBlobTests(ITestOutputHelper output)
{
    [LabFact]
    public void The_real_kdump_kernel_restores_exactly_what_kernel_mode_predicts_for_every_vector_and_hostile_blob()
    {
        LabImageSet images = LabImages.For("x86_64");
        var cases = HostileBlobs.All().ToList();
        var outcomes = new ConcurrentDictionary<string, KdumpBoot.Outcome>();
        // Two guests at a time: one per core.
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, c =>
            outcomes[c.Name] = KdumpBoot.Restore(images, c.Blob));

        var table = new StringBuilder("| blob | real kernel added (description, bytes, sha256) | project predicted | same |\n| --- | --- | --- | --- |\n");
        var mismatches = new List<string>();
        foreach ((string name, byte[] blob) in cases)
        {
            KdumpBoot.Outcome real = outcomes[name];
            string actual = real.Fault is null
                ? Describe(real.Keys.Where(k => k.Type == "user").Select(k => (k.Description, k.Size, (string?)LabImages.Sha256Hex(k.Payload))))
                : $"fault `{real.Fault}` after adding [{string.Join(", ", real.Added.Select(a => Printable(Encoding.UTF8.GetBytes(a))))}]";
            string predicted;
            bool same;
            try
            {
                // One `inspect` run per blob serves both the table and the verdict.
                var keys = KernelModePrediction.Predict(blob, out string? fault);
                predicted = KernelModePrediction.Describe(keys, fault);
                same = KernelModePrediction.Matches(keys, fault, real);
            }
            catch (InvalidOperationException e)
            {
                predicted = "no prediction: " + e.Message.Split('\n')[0];
                same = false;
            }

            table.Append($"| {name} | {actual} | {predicted} | {(same ? "yes" : "**no**")} |\n");
            if (!same)
            {
                mismatches.Add($"{name}: real {actual}; predicted {predicted}\n  restore log: {string.Join(" / ", real.RestoreLog)}");
            }
        }

        string report = Path.Combine(RepoPaths.Root, "artifacts", "lab", "x86_64", "hostile-blobs.md");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        File.WriteAllText(report, table.ToString());
        output.WriteLine(table.ToString());
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cases.Count} blobs differ:\n{string.Join('\n', mismatches)}");
    }

    internal static string Describe(IEnumerable<(byte[] Description, int Size, string? Sha256)> keys)
    {
        var all = keys.ToList();
        if (all.Count > 6)
        {
            // A long table row says how many and digests them all, so two rows still compare at a glance.
            string digest = LabImages.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(string.Join(';', all
                .OrderBy(k => Convert.ToHexStringLower(k.Description), StringComparer.Ordinal)
                .Select(k => $"{Convert.ToHexStringLower(k.Description)} {k.Size} {k.Sha256}"))))[..12];
            return $"{all.Count} keys, digest {digest}";
        }

        var parts = all
            .OrderBy(k => Convert.ToHexStringLower(k.Description), StringComparer.Ordinal)
            .Select(k => $"{Printable(k.Description)} {k.Size} {(k.Sha256 is null ? "?" : k.Sha256[..12])}")
            .ToList();
        return parts.Count == 0 ? "nothing" : string.Join("; ", parts);
    }

    internal static string Printable(byte[] description)
    {
        var text = new StringBuilder("`");
        foreach (byte b in description.Take(40))
        {
            text.Append(b is >= 0x20 and < 0x7f and not (byte)'|' and not (byte)'`' ? (char)b : $"\\x{b:x2}");
        }

        return text.Append(description.Length > 40 ? $"…`({description.Length})" : "`").ToString();
    }
}
