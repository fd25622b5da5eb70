using System.Diagnostics;
using System.Globalization;
using CrashDmCrypt.Cli.Common;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// The test assembly run as a program (<c>dotnet exec CrashDmCrypt.Cli.Tests.dll ARGS</c>) is the tool with the test
/// seams the shipped tool does not have: <c>hold-before-rename ARGS</c> runs <c>crashdmcrypt ARGS</c> and, once
/// <see cref="AtomicFile"/> has written its temporary file and before the rename, writes <c>holding PATH</c> on stderr
/// and waits up to a minute, so a test can send a real signal at that point. The wait ends early when the file is gone:
/// a command that handles the signal itself (scrub) goes on, and AtomicFile's handler has deleted the file by then.
/// </summary>
internal static class ToolHost
{
    public const string HoldBeforeRename = "hold-before-rename";

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == HoldBeforeRename)
        {
            AtomicFile.BeforeRename = temporary =>
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"holding {temporary}"));
                Console.Error.Flush();
                var waited = Stopwatch.StartNew();
                while (File.Exists(temporary) && waited.Elapsed < TimeSpan.FromMinutes(1))
                {
                    Thread.Sleep(10);
                }
            };
            args = args[1..];
        }

        return Program.Main(args);
    }
}
