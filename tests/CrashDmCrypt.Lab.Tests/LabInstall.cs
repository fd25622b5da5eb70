namespace CrashDmCrypt.Lab.Tests;

/// <summary>Installs a Debian package a lab test needs when it is missing (CI runs as root with apt).</summary>
internal static class LabInstall
{
    public static void Need(string commandOrPath, string package)
    {
        bool present = commandOrPath.StartsWith('/')
            ? File.Exists(commandOrPath) || Directory.Exists(commandOrPath)
            : Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, commandOrPath)));
        if (!present)
        {
            LabImages.Run("bash", "-c", $"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {package}");
        }
    }
}
