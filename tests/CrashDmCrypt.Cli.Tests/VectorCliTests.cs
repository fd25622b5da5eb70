using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// The CLI's verdicts on the golden vectors agree with spec/vectors/manifest.json: validate's exit code and
/// first problem in both modes, and inspect's entries and digest for every valid vector.
/// </summary>
public sealed class VectorCliTests
{
    [Fact]
    public void Validate_and_inspect_agree_with_the_manifest_for_every_vector()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "manifest.json")));
        var mismatches = new List<string>();
        int checkedVectors = 0;
        foreach (JsonElement vector in manifest.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string name = vector.GetProperty("name").GetString()!;
            string file = Path.Combine(RepoPaths.Vectors, name);
            string byteOrder = vector.GetProperty("byteOrder").GetString()!;
            bool exactLength = vector.GetProperty("requireExactLength").GetBoolean();
            foreach (string mode in new[] { "strict", "kernel" })
            {
                JsonElement verdict = vector.GetProperty(mode);
                string[] args = ["validate", file, "--byte-order", byteOrder, "--mode", mode, .. exactLength ? ["--exact-length"] : Array.Empty<string>()];
                CliResult result = CliRunner.Run(args);
                string? problem = CheckVerdict(result, verdict);
                if (problem is not null)
                {
                    mismatches.Add($"{name} ({mode}): {problem}");
                }

                if (verdict.GetProperty("valid").GetBoolean())
                {
                    CliResult inspect = CliRunner.Run(["inspect", file, "--byte-order", byteOrder, "--mode", mode, "--json", "--show-key-material"]);
                    problem = CheckEntries(inspect, vector, compareDigest: !exactLength);
                    if (problem is not null)
                    {
                        mismatches.Add($"{name} ({mode}, inspect): {problem}");
                    }
                }
            }

            checkedVectors++;
        }

        Assert.True(checkedVectors >= 20, $"only {checkedVectors} vectors in the manifest");
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    private static string? CheckVerdict(CliResult result, JsonElement verdict)
    {
        if (verdict.GetProperty("valid").GetBoolean())
        {
            return result.ExitCode == 0 ? null : $"expected valid: {result}";
        }

        if (result.ExitCode != 1 || result.OutputLines.Length == 0)
        {
            return $"expected exit 1: {result}";
        }

        // The first problem line is the first rule TryRead fails, which the manifest records.
        JsonElement entryIndex = verdict.GetProperty("entry");
        string entry = entryIndex.ValueKind == JsonValueKind.Null || entryIndex.GetInt32() < 0
            ? "header"
            : "entry " + entryIndex.GetInt32().ToString(CultureInfo.InvariantCulture);
        string expected = $"{verdict.GetProperty("code").GetString()} {entry} at offset {verdict.GetProperty("offset").GetInt32()}:";
        return result.OutputLines[0].StartsWith(expected, StringComparison.Ordinal) ? null : $"expected '{expected}...', got '{result.OutputLines[0]}'";
    }

    private static string? CheckEntries(CliResult inspect, JsonElement vector, bool compareDigest)
    {
        if (inspect.ExitCode != 0)
        {
            return inspect.ToString();
        }

        using JsonDocument document = JsonDocument.Parse(inspect.Output);
        JsonElement root = document.RootElement;
        // The manifest's digest covers every byte: the CLI prints it as fullDigest, with --show-key-material only.
        if (compareDigest && root.GetProperty("fullDigest").GetString() != vector.GetProperty("digest").GetString())
        {
            return "full digest differs";
        }

        if (compareDigest && root.GetProperty("digest").GetString() != TestBlobs.DigestWithoutKeys(File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, vector.GetProperty("name").GetString()!))))
        {
            return "digest without keys differs";
        }

        JsonElement[] expected = vector.GetProperty("entries").EnumerateArray().ToArray();
        JsonElement[] actual = root.GetProperty("keys").EnumerateArray().ToArray();
        if (expected.Length != actual.Length || root.GetProperty("count").GetInt32() != expected.Length)
        {
            return $"{actual.Length} keys, expected {expected.Length}";
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (actual[i].GetProperty("index").GetInt32() != i
                || actual[i].GetProperty("keySize").GetInt32() != expected[i].GetProperty("keySize").GetInt32()
                || actual[i].GetProperty("keyHex").GetString() != expected[i].GetProperty("keyHex").GetString()
                || actual[i].GetProperty("description").GetString() != ExpectedDescription(expected[i]))
            {
                return $"entry {i} differs";
            }
        }

        return null;
    }

    // The manifest gives plain descriptions as text and the others (non-ASCII, newline, ...) as hex bytes.
    private static string? ExpectedDescription(JsonElement entry) =>
        entry.TryGetProperty("description", out JsonElement text)
            ? text.GetString()
            : DescriptionText.Escape(Convert.FromHexString(entry.GetProperty("descriptionHex").GetString()!));
}
