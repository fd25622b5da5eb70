using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// Hostile bytes get a verdict, never a crash: System.CommandLine turns an escaped exception into exit 1
/// plus a stack trace on stderr, so these tests also demand an empty stderr from validate.
/// </summary>
public sealed class HostileBlobCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Mutated_blobs_always_get_exit_0_or_1_and_well_formed_output()
    {
        var random = new Random(20261128);
        byte[] valid = TestBlobs.Build(
            KeyBlobByteOrder.LittleEndian,
            [.. TestBlobs.TwoKeys, ("svc:third", new byte[KeyBlobLayout.MaxKeySize])]);
        string file = _dir["blob.bin"];

        for (int round = 0; round < 150; round++)
        {
            byte[] blob = Mutate(valid, random);
            File.WriteAllBytes(file, blob);
            string mode = round % 2 == 0 ? "strict" : "kernel";

            CliResult validate = CliRunner.Run("validate", file, "--mode", mode);
            CliResult inspect = CliRunner.Run("inspect", file, "--mode", mode, "--json", "--show-key-material");

            string context = $"round {round} ({mode}): {Convert.ToHexString(blob.AsSpan(0, Math.Min(blob.Length, 16)))}...";
            Assert.True(validate.ExitCode is 0 or 1, context + validate);
            Assert.True(validate.Error.Length == 0, context + validate);
            Assert.Equal(validate.ExitCode, inspect.ExitCode);
            using JsonDocument document = JsonDocument.Parse(inspect.Output);
            int errors = document.RootElement.GetProperty("errors").GetArrayLength();
            Assert.Equal(validate.ExitCode == 0 ? 0 : validate.OutputLines.Length, errors);
        }
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        byte[] blob = random.Next(4) == 0 ? valid[..random.Next(valid.Length + 1)] : (byte[])valid.Clone();
        int flips = random.Next(1, 6);
        for (int i = 0; i < flips && blob.Length > 0; i++)
        {
            // Bias towards the fields with rules: count, key_size, the description and its padding.
            int offset = random.Next(3) switch
            {
                0 => random.Next(Math.Min(blob.Length, 8)),
                1 => Math.Min(blob.Length - 1, KeyBlobLayout.GetEntryOffset(random.Next(3)) + random.Next(KeyBlobLayout.DataOffset)),
                _ => random.Next(blob.Length),
            };
            blob[offset] = (byte)random.Next(256);
        }

        return blob;
    }
}
