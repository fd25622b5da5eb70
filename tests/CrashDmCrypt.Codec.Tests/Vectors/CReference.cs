using System.Diagnostics;
using System.Globalization;

namespace CrashDmCrypt.Codec.Tests.Vectors;

/// <summary>
/// The independent C reference (spec/reference/dmcrypt_ref.c), built once per test process by
/// spec/reference/build.sh. build.sh compiles to a temporary file and renames it, so other
/// processes building at the same time cannot hand us a half-written binary.
/// </summary>
internal static class CReference
{
    private static readonly Lazy<string> BinaryLazy = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string BuildScript => Path.Combine(RepoPaths.Reference, "build.sh");

    /// <summary>Path of the built dmcrypt_ref.</summary>
    public static string Binary => BinaryLazy.Value;

    public static ProcessResult Run(params IEnumerable<string> arguments) => ProcessResult.Run(Binary, arguments);

    /// <summary>Runs <c>dmcrypt_ref read</c> on the files and parses its fixed output contract.</summary>
    public static IReadOnlyList<CReadResult> Read(bool bigEndian, IEnumerable<string> files)
    {
        var args = new List<string> { "read" };
        if (bigEndian)
        {
            args.Add("--be");
        }

        args.AddRange(files);
        ProcessResult result = Run(args);
        Assert.True(result.ExitCode == 0, $"dmcrypt_ref read exited {result.ExitCode}: {result.StandardError}");
        return CReadResult.Parse(result.StandardOutput);
    }

    private static string Build()
    {
        ProcessResult result = ProcessResult.Run("bash", [BuildScript, "dmcrypt_ref"]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"build.sh failed ({result.ExitCode}):\n{result.StandardError}");
        }

        return Path.Combine(RepoPaths.Reference, "build", "dmcrypt_ref");
    }
}

internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + fileName);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(fileName + " did not finish");
        }

        return new ProcessResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

/// <summary>One file's block of <c>dmcrypt_ref read</c> output.</summary>
internal sealed record CReadResult(string Path, string? Error, int Entry, int Offset, int Count, int Size, IReadOnlyList<CEntry> Entries)
{
    public bool Ok => Error is null;

    /// <summary>
    /// Parses <c>file P</c>, then <c>ok count=N size=S</c> and N <c>entry</c> lines or one
    /// <c>error NAME entry=I offset=O</c> line, then <c>end</c>; repeated per file.
    /// </summary>
    public static IReadOnlyList<CReadResult> Parse(string output)
    {
        var results = new List<CReadResult>();
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int i = 0;
        while (i < lines.Length)
        {
            string path = Expect(lines[i++], "file ");
            string verdict = lines[i++];
            var entries = new List<CEntry>();
            CReadResult result;
            if (verdict.StartsWith("error ", StringComparison.Ordinal))
            {
                string[] parts = verdict.Split(' ');
                Assert.Equal(4, parts.Length);
                result = new CReadResult(path, parts[1], Number(parts[2], "entry="), Number(parts[3], "offset="), 0, 0, entries);
            }
            else
            {
                string[] parts = Expect(verdict, "ok ").Split(' ');
                Assert.Equal(2, parts.Length);
                int count = Number(parts[0], "count=");
                for (int e = 0; e < count; e++)
                {
                    string[] fields = Expect(lines[i++], "entry ").Split(' ');
                    Assert.Equal(4, fields.Length);
                    entries.Add(new CEntry(
                        int.Parse(fields[0], CultureInfo.InvariantCulture),
                        Number(fields[1], "keysize="),
                        Expect(fields[2], "desc="),
                        Expect(fields[3], "key=")));
                }

                result = new CReadResult(path, null, -1, 0, count, Number(parts[1], "size="), entries);
            }

            Assert.Equal("end", lines[i++]);
            results.Add(result);
        }

        return results;
    }

    private static string Expect(string text, string prefix)
    {
        Assert.StartsWith(prefix, text, StringComparison.Ordinal);
        return text[prefix.Length..];
    }

    private static int Number(string text, string prefix) =>
        int.Parse(Expect(text, prefix), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}

/// <summary>One <c>entry</c> line: index, key_size, description hex (no NUL), key hex.</summary>
internal sealed record CEntry(int Index, int KeySize, string DescriptionHex, string KeyHex);
