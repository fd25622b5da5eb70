using System.Text.Json;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// What the project's kernel mode says the kdump kernel adds for a blob: `crashdmcrypt inspect --mode kernel
/// --json --show-key-material` on the bytes of old memory the kernel reads (the blob, then the zeros the lab's
/// reserved region holds after it). Folded as key_create_or_update folds it: a later entry with the same
/// description replaces the earlier key (security/keys/key.c).
/// </summary>
internal static class KernelModePrediction
{
    /// <summary>The region of old memory the real kernel reads in the lab: the blob, then zeros up to 128 entries.</summary>
    public static byte[] Region(byte[] blob)
    {
        var region = new byte[Math.Max(blob.Length, 4 + (388 * 128))];
        blob.CopyTo(region, 0);
        return region;
    }

    /// <summary>The keys the kernel ends with (folded by description) and the fault it hits, if any.</summary>
    public static IReadOnlyList<(byte[] Description, int Size, string? Sha256)> Predict(byte[] blob, out string? fault)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("cdc-lab-predict-").FullName, "region.bin");
        File.WriteAllBytes(path, Region(blob));
        JsonElement json = LabCli.Json("inspect", path, "--mode", "kernel", "--json", "--show-key-material");
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        if (!json.TryGetProperty("restored", out JsonElement restored))
        {
            throw new InvalidOperationException("inspect --mode kernel --json has no `restored` array: " + json);
        }

        fault = json.GetProperty("kernelFault").ValueKind == JsonValueKind.String && json.GetProperty("kernelFault").GetString() != "countTooLarge"
            ? json.GetProperty("kernelFault").GetString()
            : null;
        var final = new Dictionary<string, (byte[] Description, int Size, string? Sha256)>(StringComparer.Ordinal);
        foreach (JsonElement key in restored.EnumerateArray())
        {
            byte[] description = Convert.FromHexString(key.GetProperty("descriptionHex").GetString()!);
            string? sha = key.TryGetProperty("sha256", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            final[Convert.ToHexStringLower(description)] = (description, key.GetProperty("keySize").GetInt32(), sha);
        }

        return [.. final.Values];
    }

    public static string Describe(IReadOnlyList<(byte[] Description, int Size, string? Sha256)> keys, string? fault)
    {
        return fault is null ? HostileBlobTests.Describe(keys) : $"fault `{fault}` after adding [{string.Join(", ", keys.Select(k => HostileBlobTests.Printable(k.Description)))}]";
    }

    /// <summary>
    /// The real kernel's outcome equals the prediction: the same fault (a count above 128 is no fault: nothing is
    /// read), and the same keys; after a fault the keyring cannot be listed (its lock is held), so the keys the
    /// kernel's "Success adding key" lines name are compared by description.
    /// </summary>
    public static bool Matches(IReadOnlyList<(byte[] Description, int Size, string? Sha256)> keys, string? fault, KdumpBoot.Outcome outcome)
    {
        if ((fault is null) != (outcome.Fault is null))
        {
            return false;
        }

        if (fault is not null)
        {
            return keys.Select(k => System.Text.Encoding.UTF8.GetString(k.Description)).Order(StringComparer.Ordinal)
                .SequenceEqual(outcome.Added.Order(StringComparer.Ordinal));
        }

        return Matches(keys, outcome.Keys.Where(k => k.Type == "user").ToList());
    }

    private static bool Matches(IReadOnlyList<(byte[] Description, int Size, string? Sha256)> keys, IReadOnlyList<LabKey> real)
    {
        var predicted = keys.OrderBy(k => Convert.ToHexStringLower(k.Description), StringComparer.Ordinal).ToList();
        var actual = real.OrderBy(k => Convert.ToHexStringLower(k.Description), StringComparer.Ordinal).ToList();
        if (predicted.Count != actual.Count)
        {
            return false;
        }

        for (int i = 0; i < actual.Count; i++)
        {
            if (!predicted[i].Description.AsSpan().SequenceEqual(actual[i].Description) || predicted[i].Size != actual[i].Size)
            {
                return false;
            }

            // Bytes the kernel reads past its buffer are unknown to any prediction: then only the length counts.
            if (predicted[i].Sha256 is { } sha && sha != LabImages.Sha256Hex(actual[i].Payload))
            {
                return false;
            }
        }

        return true;
    }
}
