using System.Text.Json;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>Runs the project's Native AOT crashdmcrypt on the host (the same binary the guests run).</summary>
internal static class LabCli
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => ChildProcess.Run(LabImages.NativeBinary(), args);

    public static JsonElement Json(params string[] args)
    {
        (int code, string stdout, string stderr) = Run(args);
        try
        {
            using var doc = JsonDocument.Parse(stdout);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"crashdmcrypt {string.Join(' ', args)} exited {code} without JSON: {stdout}\n{stderr}", e);
        }
    }
}
