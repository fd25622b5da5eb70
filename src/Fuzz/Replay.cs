namespace CrashDmCrypt.Fuzz;

/// <summary>Runs a target over files without AFL, in process, and reports each finding with its stack trace.</summary>
internal static class Replay
{
    public static int Run(FuzzTarget target, string path, TextWriter output)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*", SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            output.WriteLine($"no such file or folder: {path}");
            return 2;
        }

        int failed = 0;
        foreach (string file in files)
        {
            if (!RunOne(target, file, File.ReadAllBytes(file), output))
            {
                failed++;
            }
        }

        output.WriteLine($"replay: {files.Length - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    public static int RunStandardInput(FuzzTarget target, TextWriter output)
    {
        using Stream stdin = Console.OpenStandardInput();
        using var copy = new MemoryStream();
        stdin.CopyTo(copy);
        return RunOne(target, "<stdin>", copy.ToArray(), output) ? 0 : 1;
    }

    /// <summary>Runs one input; on a finding prints the file, the exception and its stack trace.</summary>
    public static bool RunOne(FuzzTarget target, string name, ReadOnlySpan<byte> input, TextWriter output)
    {
        try
        {
            FuzzTargets.Execute(target, input);
            return true;
        }
#pragma warning disable CA1031 // Any exception out of a target is a finding to report, not to crash on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            output.WriteLine($"FAIL {name} ({input.Length} bytes)");
            output.WriteLine(e.ToString());
            return false;
        }
    }
}
