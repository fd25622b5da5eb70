using System.Diagnostics;
using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>
/// Differential check against the C reference (<c>spec/reference/dmcrypt_ref read</c>), which reads blobs the way the
/// kdump kernel does: every corpus, regression and vector file, and every AFL queue entry named by <c>CDC_FUZZ_QUEUE</c>,
/// in both byte orders, must get the same verdict, error name, entry, offset and decoded entries from C# kernel mode.
/// </summary>
public sealed class CReferenceDifferentialTests
{
    private const int FilesPerProcess = 400;

    public static TheoryData<string> Orders => new() { "le", "be" };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Kernel_mode_agrees_with_the_C_reference_on_every_input(string order)
    {
        string reference = BuildReference();
        KeyBlobByteOrder byteOrder = order == "be" ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
        string[] files = InputFiles();
        Assert.True(files.Length >= 40, $"only {files.Length} inputs");

        var mismatches = new List<string>();
        int compared = 0;
        foreach (string[] batch in files.Chunk(FilesPerProcess))
        {
            string output = RunReference(reference, byteOrder, batch);
            foreach ((string file, string[] lines) in ParseBlocks(output))
            {
                string expected = string.Join('\n', lines);
                string actual = string.Join('\n', Describe(File.ReadAllBytes(file), byteOrder));
                if (expected != actual)
                {
                    mismatches.Add($"{Path.GetRelativePath(RepoPaths.Root, file)} ({order}):\n  C : {expected.Replace("\n", "\n      ", StringComparison.Ordinal)}\n  C#: {actual.Replace("\n", "\n      ", StringComparison.Ordinal)}");
                }

                compared++;
            }
        }

        Assert.Equal(files.Length, compared);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} inputs differ:\n" + string.Join('\n', mismatches.Take(10)));
    }

    [Fact]
    public void The_comparison_sees_entries_and_errors_not_only_verdicts()
    {
        byte[] one = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "one-key.bin"));
        string[] lines = Describe(one, KeyBlobByteOrder.LittleEndian);
        Assert.Equal("ok count=1 size=392", lines[0]);
        Assert.StartsWith("entry 0 keysize=64 desc=" + Convert.ToHexStringLower("cryptsetup:"u8), lines[1], StringComparison.Ordinal);

        Assert.Equal(["error TruncatedHeader entry=-1 offset=3"], Describe(one.AsSpan(0, 3).ToArray(), KeyBlobByteOrder.LittleEndian));
        Assert.Equal(["error CountTooLarge entry=-1 offset=0"], Describe(one, KeyBlobByteOrder.BigEndian));
    }

    // The C# side of the contract: the same lines dmcrypt_ref prints between "file" and "end".
    private static string[] Describe(byte[] input, KeyBlobByteOrder order)
    {
        if (!KeyBlobReader.TryRead(input, new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel }, out KeyBlob blob, out KeyBlobProblem problem))
        {
            return [$"error {problem.Error} entry={problem.EntryIndex} offset={problem.Offset}"];
        }

        var lines = new List<string> { $"ok count={blob.Count} size={blob.Size}" };
        foreach (KeyBlobEntry entry in blob)
        {
            lines.Add($"entry {entry.Index} keysize={entry.KeySize} desc={Convert.ToHexStringLower(entry.Description)} key={Convert.ToHexStringLower(entry.Key)}");
        }

        return [.. lines];
    }

    private static string[] InputFiles()
    {
        IEnumerable<string> files = FuzzInputs.FilesIn(RepoPaths.Vectors).Concat(FuzzInputs.QueueFiles());
        foreach (string target in (string[])["reader", "restore"])
        {
            files = files.Concat(FuzzInputs.FilesIn(FuzzInputs.Corpus(target))).Concat(FuzzInputs.FilesIn(FuzzInputs.Regressions(target)));
        }

        return files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToArray();
    }

    private static string BuildReference()
    {
        string script = Path.Combine(RepoPaths.Reference, "build.sh");
        Assert.True(File.Exists(script), "spec/reference/build.sh is missing");
        (int status, string output, string errors) = Run("bash", [script, "dmcrypt_ref"]);
        Assert.True(status == 0, $"build.sh failed ({status}): {output}{errors}");
        string binary = Path.Combine(RepoPaths.Reference, "build", "dmcrypt_ref");
        Assert.True(File.Exists(binary), "build.sh did not produce " + binary);
        return binary;
    }

    private static string RunReference(string reference, KeyBlobByteOrder order, string[] files)
    {
        string[] args = order == KeyBlobByteOrder.BigEndian ? ["read", "--be", .. files] : ["read", .. files];
        (int status, string output, string errors) = Run(reference, args);
        Assert.True(status == 0, $"dmcrypt_ref read exited {status}: {errors}");
        return output;
    }

    private static IEnumerable<(string File, string[] Lines)> ParseBlocks(string output)
    {
        string? file = null;
        var lines = new List<string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("file ", StringComparison.Ordinal))
            {
                Assert.Null(file);
                file = line["file ".Length..];
                lines.Clear();
            }
            else if (line == "end")
            {
                Assert.NotNull(file);
                yield return (file, lines.ToArray());
                file = null;
            }
            else
            {
                Assert.NotNull(file);
                lines.Add(line);
            }
        }

        Assert.Null(file);
    }

    private static (int Status, string Output, string Errors) Run(string program, string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        // Drain stderr on a thread of its own so neither pipe can fill up and stall the child.
        string errors = string.Empty;
        var drain = new Thread(() => errors = process.StandardError.ReadToEnd());
        drain.Start();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        drain.Join();
        return (process.ExitCode, output, errors);
    }
}
