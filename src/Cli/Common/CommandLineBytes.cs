using System.Security.Cryptography;
using System.Text;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// Turns a command-line argument back into the bytes the shell passed. On Linux .NET decodes argv as
/// UTF-8, which is lossless for valid UTF-8 (so re-encoding gives the bytes back) but replaces every
/// invalid sequence with U+FFFD. For such an argument the bytes are looked up in
/// <c>/proc/self/cmdline</c> (argv as the kernel holds it): an argument there whose lenient decoding equals
/// the text is the one. The limit: when no argument there decodes to the text (no procfs, or the text
/// did not come from argv) or two different ones do, the bytes cannot be known and the caller must refuse.
/// </summary>
internal static class CommandLineBytes
{
    private const string ProcessArgumentsPath = "/proc/self/cmdline";

    /// <summary>The bytes of <paramref name="text"/> as passed on the command line.</summary>
    /// <returns><see langword="false"/> when the text holds U+FFFD and its bytes cannot be recovered.</returns>
    public static bool TryGet(string text, out byte[] bytes)
    {
        // argv can hold key material (build --key DESC=hex:...): clear this copy of it.
        byte[] processArguments = ReadProcessArguments();
        try
        {
            return TryGet(text, processArguments, out bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(processArguments);
        }
    }

    /// <summary>As <see cref="TryGet(string, out byte[])"/>, with argv given as NUL-terminated strings.</summary>
    internal static bool TryGet(string text, ReadOnlySpan<byte> processArguments, out byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('\uFFFD', StringComparison.Ordinal))
        {
            bytes = Encoding.UTF8.GetBytes(text);
            return true;
        }

        byte[]? found = null;
        while (!processArguments.IsEmpty)
        {
            int end = processArguments.IndexOf((byte)0);
            ReadOnlySpan<byte> argument = end < 0 ? processArguments : processArguments[..end];
            processArguments = end < 0 ? default : processArguments[(end + 1)..];

            // Encoding.UTF8 replaces invalid sequences the way the runtime does for argv.
            if (Encoding.UTF8.GetString(argument) != text)
            {
                continue;
            }

            if (found is not null && !argument.SequenceEqual(found))
            {
                bytes = [];
                return false;
            }

            found = argument.ToArray();
        }

        bytes = found ?? [];
        return found is not null;
    }

    private static byte[] ReadProcessArguments()
    {
        try
        {
            return File.ReadAllBytes(ProcessArgumentsPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return [];
        }
    }
}
