using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Tools.RegenerateVectors;

/// <summary>
/// Regenerates spec/vectors from the independent C reference: builds <c>dmcrypt_ref</c>, runs
/// <c>gen-vectors</c> into a temporary folder, replaces <c>spec/vectors/*.bin</c> with its output and
/// rewrites the derived fields of <c>manifest.json</c> (<c>digest</c> from each file, <c>entries</c> from the
/// C reference's <c>read</c>), keeping the hand-written ones. <c>--check</c> writes nothing and exits 1 when
/// the committed files differ from what would be written. Exit 2 when something is missing or fails.
/// </summary>
internal static class Program
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // Fields the generator owns; every other field of a vector is written by hand and kept.
    private static readonly string[] StaleFields = ["filePath", "order"];

    public static int Main(string[] args)
    {
        bool check = args is ["--check"];
        if (args.Length != 0 && !check)
        {
            Console.Error.WriteLine("usage: dotnet run --project tools/RegenerateVectors [-- --check]");
            return 2;
        }

        try
        {
            return Run(FindRoot(), check);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"regenerate-vectors: {e.Message}");
            return 2;
        }
    }

    private static int Run(string root, bool check)
    {
        string vectors = Path.Combine(root, "spec", "vectors");
        string manifestPath = Path.Combine(vectors, "manifest.json");
        string reference = BuildReference(root);
        string generated = Directory.CreateTempSubdirectory("cdc-vectors-").FullName;
        try
        {
            RunChecked(reference, "gen-vectors", generated);
            string[] names = BinNames(generated);
            string committedText = File.ReadAllText(manifestPath);
            JsonObject manifest = JsonNode.Parse(committedText)?.AsObject() ?? throw new InvalidDataException("manifest.json is empty");
            JsonArray cases = manifest["vectors"]?.AsArray() ?? throw new InvalidDataException("manifest.json has no vectors");

            string[] listed = cases.Select(v => (string?)v?["name"] ?? throw new InvalidDataException("a vector has no name")).ToArray();
            string[] unlisted = names.Except(listed, StringComparer.Ordinal).ToArray();
            string[] ungenerated = listed.Except(names, StringComparer.Ordinal).ToArray();
            if (unlisted.Length != 0 || ungenerated.Length != 0)
            {
                throw new InvalidDataException(
                    (unlisted.Length != 0 ? "add hand-written fields to manifest.json for: " + string.Join(", ", unlisted) + ". " : string.Empty)
                    + (ungenerated.Length != 0 ? "gen-vectors does not write: " + string.Join(", ", ungenerated) : string.Empty));
            }

            foreach (JsonObject vector in cases.Select(v => v!.AsObject()))
            {
                Derive(vector, reference, generated);
            }

            string manifestText = manifest.ToJsonString(JsonOptions) + "\n";
            List<string> differences = Compare(vectors, generated, names, committedText, manifestText);
            if (check)
            {
                foreach (string difference in differences)
                {
                    Console.WriteLine(difference);
                }

                Console.WriteLine(differences.Count == 0 ? "spec/vectors is up to date" : $"{differences.Count} difference(s)");
                return differences.Count == 0 ? 0 : 1;
            }

            foreach (string stale in Directory.GetFiles(vectors, "*.bin"))
            {
                File.Delete(stale);
            }

            foreach (string name in names)
            {
                File.Copy(Path.Combine(generated, name), Path.Combine(vectors, name));
            }

            File.WriteAllText(manifestPath, manifestText);
            Console.WriteLine($"wrote {names.Length} vectors and manifest.json ({differences.Count} file(s) changed)");
            return 0;
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }
    }

    // digest: XXH3-64 of the file; entries: the C reference's reading when kernel mode accepts the file.
    private static void Derive(JsonObject vector, string reference, string folder)
    {
        string name = (string)vector["name"]!;
        string path = Path.Combine(folder, name);
        bool bigEndian = (string?)vector["byteOrder"] switch
        {
            "little" => false,
            "big" => true,
            var other => throw new InvalidDataException($"{name}: byteOrder '{other}' is neither 'little' nor 'big'"),
        };
        bool kernelValid = (bool?)vector["kernel"]?["valid"] ?? throw new InvalidDataException($"{name}: no kernel verdict");

        JsonArray? entries = null;
        if (kernelValid)
        {
            string output = RunChecked(reference, bigEndian ? ["read", "--be", path] : ["read", path]);
            entries = ParseEntries(name, output);
        }

        foreach (string field in StaleFields)
        {
            vector.Remove(field);
        }

        vector["digest"] = BlobDigest.FormatFull(File.ReadAllBytes(path));
        vector["entries"] = entries;
    }

    // "file P", "ok count=N size=S", N × "entry I keysize=K desc=HEX key=HEX", "end".
    private static JsonArray ParseEntries(string name, string output)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 3 || !lines[1].StartsWith("ok ", StringComparison.Ordinal) || lines[^1] != "end")
        {
            throw new InvalidDataException($"{name}: the manifest says kernel mode accepts it, the C reference says: {string.Join(" | ", lines.Skip(1).Take(1))}");
        }

        var entries = new JsonArray();
        foreach (string line in lines[2..^1])
        {
            string[] fields = line.Split(' ');
            if (fields.Length != 5 || fields[0] != "entry")
            {
                throw new InvalidDataException($"{name}: unexpected line from dmcrypt_ref read: {line}");
            }

            byte[] description = Convert.FromHexString(Field(fields[3], "desc="));
            string keyHex = Field(fields[4], "key=");
            bool printable = !description.AsSpan().ContainsAnyExceptInRange((byte)0x20, (byte)0x7e);
            var entry = new JsonObject { ["index"] = int.Parse(fields[1], CultureInfo.InvariantCulture) };
            if (printable)
            {
                entry["description"] = Encoding.ASCII.GetString(description);
            }
            else
            {
                entry["descriptionHex"] = Convert.ToHexStringLower(description);
            }

            entry["keySize"] = int.Parse(Field(fields[2], "keysize="), CultureInfo.InvariantCulture);
            entry["keyHex"] = keyHex;
            entries.Add(entry);
        }

        return entries;
    }

    private static string Field(string text, string prefix) =>
        text.StartsWith(prefix, StringComparison.Ordinal) ? text[prefix.Length..] : throw new InvalidDataException($"expected {prefix}, got {text}");

    private static List<string> Compare(string vectors, string generated, string[] names, string committedManifest, string manifest)
    {
        var differences = new List<string>();
        foreach (string name in BinNames(vectors).Except(names, StringComparer.Ordinal))
        {
            differences.Add($"{name}: committed, but gen-vectors does not write it");
        }

        foreach (string name in names)
        {
            string committed = Path.Combine(vectors, name);
            if (!File.Exists(committed))
            {
                differences.Add($"{name}: missing");
            }
            else if (!File.ReadAllBytes(committed).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(generated, name))))
            {
                differences.Add($"{name}: differs from what dmcrypt_ref gen-vectors writes");
            }
        }

        if (committedManifest != manifest)
        {
            differences.Add("manifest.json: derived fields differ");
        }

        return differences;
    }

    private static string[] BinNames(string folder) =>
        Directory.GetFiles(folder, "*.bin").Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal).ToArray();

    private static string BuildReference(string root)
    {
        string reference = Path.Combine(root, "spec", "reference");
        RunChecked("bash", Path.Combine(reference, "build.sh"), "dmcrypt_ref");
        return Path.Combine(reference, "build", "dmcrypt_ref");
    }

    private static string RunChecked(string fileName, params string[] arguments)
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
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.GetAwaiter().GetResult()}");
        }

        return stdout;
    }

    private static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CrashDmCrypt.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("CrashDmCrypt.sln not found above the current directory");
    }
}
