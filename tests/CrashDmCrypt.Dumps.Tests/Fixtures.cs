using System.IO.Compression;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The QEMU fixtures (fixtures/make-fixtures.sh), unpacked once into a temporary folder.</summary>
internal static class Fixtures
{
    public const ulong TwoKeysAddress = 0x100000;
    public const ulong MaxKeysAddress = 0x140f80;
    public const ulong BigEndianAddress = 0x180004;
    public const ulong LoneEntryAddress = 0x1c0008;

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "cdc-dump-fixtures-" + Environment.ProcessId);
    private static readonly Lock Gate = new();

    public static string Get(string name)
    {
        lock (Gate)
        {
            Directory.CreateDirectory(Folder);
            string target = Path.Combine(Folder, name);
            if (!File.Exists(target))
            {
                using var input = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "fixtures", name + ".gz")), CompressionMode.Decompress);
                using var output = File.Create(target);
                input.CopyTo(output);
            }

            return target;
        }
    }

    public static byte[] Vector(string name) => File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, name));
}
