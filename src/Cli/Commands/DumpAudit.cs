using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>What <c>dump scan</c> and <c>dump scrub</c> share: the key files, and the scan of every form of every key.</summary>
internal static class DumpAudit
{
    /// <summary>Largest key file read: a volume key is at most 64 bytes, a keys-blob key at most 256; more is not a key.</summary>
    public const int MaxKeyFileLength = 1024;

    /// <summary><c>--key-file FILE</c>, repeatable: a key's raw bytes, e.g. from <c>cryptsetup luksDump --dump-volume-key</c>.</summary>
    public static System.CommandLine.Option<string[]> KeyFiles() => new("--key-file")
    {
        Description = "A key the dump may hold, as raw bytes (e.g. a volume key written by cryptsetup luksDump --dump-volume-key --volume-key-file); repeatable. Its raw bytes, halves and AES schedules are searched for too.",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Reads every key file into <paramref name="keys"/>, described as <c>key-file:NAME</c>; false with a reason (naming the file, never its bytes).</summary>
    public static bool TryAddKeyFiles(IEnumerable<string> files, KeySet keys, out string? error)
    {
        foreach (string file in files)
        {
            if (!PinnedFile.TryRead(file, 0, MaxKeyFileLength + 1, out SecretBuffer? contents, out error))
            {
                return false;
            }

            using (contents)
            {
                if (contents.Length is 0 or > MaxKeyFileLength)
                {
                    error = $"{CliText.Quote(file)} is empty or longer than {MaxKeyFileLength} bytes: not a key";
                    return false;
                }

                keys.Add(System.Text.Encoding.UTF8.GetBytes("key-file:" + Path.GetFileName(file)), contents.Span);
            }
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Blobs and entries, then every other form of their keys and of <paramref name="keys"/>'s (which gains the keys found),
    /// in one result: the forms follow the blobs and entries. A cancelled scan ends it: the result holds what was found so
    /// far and says it was cancelled.
    /// </summary>
    public static DumpScanResult ScanEveryForm(PhysicalMemory memory, DumpScanOptions options, KeySet keys) =>
        DumpScanner.ScanEveryForm(memory, keys, options);

    public static string Name(FindingKind kind) => kind switch
    {
        FindingKind.Blob => "blob",
        FindingKind.Entry => "entry",
        FindingKind.RawKey => "raw-key",
        _ => "aes-schedule",
    };

    public static string Name(KeyPart part) => part switch
    {
        KeyPart.FirstHalf => "first-half",
        KeyPart.SecondHalf => "second-half",
        _ => "whole",
    };
}
