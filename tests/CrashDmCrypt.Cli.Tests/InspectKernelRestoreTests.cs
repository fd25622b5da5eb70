using System.Security.Cryptography;
using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// <c>inspect --mode kernel --json</c>: <c>restored</c>, <c>refused</c>, <c>undetermined</c> and <c>kernelFault</c>, the
/// kdump kernel's per-entry outcome (kernel/crash_dump_dm_crypt.c:101-146; security/keys/key.c:806-986).
/// </summary>
public sealed class InspectKernelRestoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // blob, then the expected restored indices with actions, refused indices with reasons, and kernelFault.
    public static TheoryData<string, string, string, string?> Rows => new()
    {
        { "valid", "0:created 1:created", string.Empty, null },
        { "key size 300 in the last entry", "0:created 1:created", string.Empty, null },
        { "key size 0", "0:created", "1:keySizeZero", null },
        { "key size 40000", "1:created", "0:keySizeTooLarge", null },
        { "empty description", "0:created", string.Empty, "bugEmptyDescription" },
        { "duplicate", "0:created 1:updated", string.Empty, null },
        { "count 129", string.Empty, string.Empty, "countTooLarge" },
        { "count 0", string.Empty, string.Empty, null },
    };

    private static byte[] Make(string name)
    {
        byte[] blob = TestBlobs.Blob(2);
        switch (name)
        {
            case "key size 300 in the last entry": TestBlobs.SetKeySize(blob, 1, 300); break;
            case "key size 0": TestBlobs.SetKeySize(blob, 1, 0); break;
            case "key size 40000": TestBlobs.SetKeySize(blob, 0, 40000); break;
            case "empty description": TestBlobs.PutDescription(blob, 1, string.Empty); break;
            case "duplicate": blob.AsSpan(TestBlobs.Desc(0), 128).CopyTo(blob.AsSpan(TestBlobs.Desc(1))); break;
            case "count 129": TestBlobs.SetCount(blob, 129); break;
            case "count 0": return new byte[4];
        }

        return blob;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Restored_refused_and_kernel_fault(string name, string restored, string refused, string? kernelFault)
    {
        string file = _dir.Write("blob.bin", Make(name));

        CliResult result = CliRunner.Run("inspect", file, "--mode", "kernel", "--json");

        using var doc = JsonDocument.Parse(result.Output);
        JsonElement root = doc.RootElement;
        Assert.Equal(restored, string.Join(' ', root.GetProperty("restored").EnumerateArray().Select(e => $"{e.GetProperty("index").GetInt32()}:{e.GetProperty("action").GetString()}")));
        Assert.Equal(refused, string.Join(' ', root.GetProperty("refused").EnumerateArray().Select(e => $"{e.GetProperty("index").GetInt32()}:{e.GetProperty("reason").GetString()}")));
        Assert.All(root.GetProperty("refused").EnumerateArray(), e => Assert.Equal("EINVAL", e.GetProperty("errno").GetString()));
        Assert.Equal(kernelFault, root.GetProperty("kernelFault").GetString());
        Assert.All(root.GetProperty("restored").EnumerateArray(), e => Assert.False(e.TryGetProperty("sha256", out _)));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_text_report_has_one_line_per_entry_the_kernel_handles(string name, string restored, string refused, string? kernelFault)
    {
        string file = _dir.Write("blob.bin", Make(name));

        CliResult text = CliRunner.Run("inspect", file, "--mode", "kernel");

        // "kernel entry N: ACTION..." on stdout, whether kernel mode accepts the blob (exit 0) or not (exit 1).
        string[] entries = [.. text.OutputLines.Where(l => l.StartsWith("kernel entry ", StringComparison.Ordinal))];
        string Actions(string word) => string.Join(' ', entries
            .Where(l => l.Split(": ")[1].StartsWith(word, StringComparison.Ordinal))
            .Select(l => l.Split(": ")[0]["kernel entry ".Length..] + ":" + word));
        Assert.Equal(restored, string.Join(' ', new[] { Actions("created"), Actions("updated") }.Where(a => a.Length > 0)
            .SelectMany(a => a.Split(' ')).OrderBy(a => a, StringComparer.Ordinal)));
        Assert.Equal(refused.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(':')[0] + ":refused"), Actions("refused").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(kernelFault == "bugEmptyDescription", entries.Any(l => l.Split(": ")[1].StartsWith("BUG_ON", StringComparison.Ordinal)));
        Assert.Single(text.OutputLines, l => l.StartsWith("kernel restore: ", StringComparison.Ordinal));
        Assert.DoesNotContain(text.OutputLines, l => l.Contains("sha256", StringComparison.Ordinal));
    }

    [Fact]
    public void Sha256_only_with_show_key_material_and_null_for_bytes_past_the_blob()
    {
        byte[] blob = TestBlobs.Blob(2);
        TestBlobs.SetKeySize(blob, 1, 300);
        string file = _dir.Write("blob.bin", blob);

        CliResult result = CliRunner.Run("inspect", file, "--mode", "kernel", "--json", "--show-key-material");

        using var doc = JsonDocument.Parse(result.Output);
        JsonElement[] restored = [.. doc.RootElement.GetProperty("restored").EnumerateArray()];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(blob.AsSpan(TestBlobs.Data(0), 64))), restored[0].GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, restored[1].GetProperty("sha256").ValueKind);
        Assert.Equal(44, restored[1].GetProperty("bytesPastEntry").GetInt32());
        Assert.Equal(44, restored[1].GetProperty("bytesPastBlob").GetInt32());
        Assert.Equal("cryptsetup:", restored[1].GetProperty("description").GetString()![..11]);
        Assert.Equal(Convert.ToHexStringLower(blob.AsSpan(TestBlobs.Desc(1), 47)), restored[1].GetProperty("descriptionHex").GetString());
    }

    [Fact]
    public void A_description_that_runs_into_the_key_is_hidden_without_show_key_material()
    {
        byte[] blob = TestBlobs.Blob(1);
        blob.AsSpan(TestBlobs.Desc(0), 128).Fill((byte)'x');
        string file = _dir.Write("blob.bin", blob);
        string keyHex = Convert.ToHexStringLower(blob.AsSpan(TestBlobs.Data(0), 64));

        CliResult hidden = CliRunner.Run("inspect", file, "--mode", "kernel", "--json");
        CliResult shown = CliRunner.Run("inspect", file, "--mode", "kernel", "--json", "--show-key-material");

        Assert.DoesNotContain(keyHex, hidden.Output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(hidden.Output);
        JsonElement entry = doc.RootElement.GetProperty("restored")[0];
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("descriptionHex").ValueKind);

        // A length would tell where the key's first zero byte is.
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("descriptionLength").ValueKind);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("descriptionComplete").ValueKind);
        Assert.Contains(keyHex, shown.Output, StringComparison.Ordinal);
        using var shownDoc = JsonDocument.Parse(shown.Output);
        Assert.Equal(192, shownDoc.RootElement.GetProperty("restored")[0].GetProperty("descriptionLength").GetInt32());
    }

    [Fact]
    public void Strict_mode_json_has_no_kernel_fields()
    {
        string file = _dir.Write("blob.bin", TestBlobs.Blob(2));

        CliResult result = CliRunner.Run("inspect", file, "--json");

        using var doc = JsonDocument.Parse(result.Output);
        Assert.False(doc.RootElement.TryGetProperty("restored", out _));
        Assert.False(doc.RootElement.TryGetProperty("kernelFault", out _));
    }
}
