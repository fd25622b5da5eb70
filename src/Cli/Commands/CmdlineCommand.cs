using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>cmdline [TEXT | --file PATH] [--mode strict|kernel] [--json]</c>: the blob's address from
/// <c>dmcryptkeys=</c> on a kernel command line (by default <c>/proc/cmdline</c>). Exit 0 with the
/// address, 1 when there is none or it is invalid, 2 on a usage or I/O error.
/// </summary>
internal static class CmdlineCommand
{
    /// <summary>Read when neither TEXT nor <c>--file</c> is given: the running kernel's command line.</summary>
    public const string DefaultFile = "/proc/cmdline";

    /// <summary>Largest command-line file read; kernels cap the line at a few KiB (COMMAND_LINE_SIZE).</summary>
    public const int MaxFileSize = 1 << 20;

    public static Command Create()
    {
        var text = new Argument<string?>("TEXT")
        {
            Description = "A kernel command line. Without TEXT or --file, " + DefaultFile + " is read.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var file = new Option<string?>("--file", "-f")
        {
            Description = "Read the command line from this file (bytes taken one to a character, as the kernel does).",
            HelpName = "PATH",
        };
        Option<string> mode = ModeOption("strict: refuse trailing characters, overflow, a suffix without digits, a bare dmcryptkeys and address 0; kernel: the address the kdump kernel itself ends up with.");
        Option<bool> json = JsonOption("{\"address\": N}; on failure {\"address\": null, \"error\": CODE, \"message\": TEXT}");
        var command = new Command("cmdline", "Print the dm-crypt keys blob's address from dmcryptkeys= on a kernel command line, as the kdump kernel reads it (x86).")
        {
            text,
            file,
            mode,
            json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(text) is not null && result.GetValue(file) is not null)
            {
                result.AddError("give either TEXT or --file, not both");
            }
        });
        command.SetAction(parse => Run(parse, parse.GetValue(text), parse.GetValue(file), parse.GetValue(mode) == "kernel", parse.GetValue(json)));
        return command;
    }

    /// <summary><c>--mode strict|kernel</c>, strict by default.</summary>
    internal static Option<string> ModeOption(string description) =>
        new Option<string>("--mode", "-m")
        {
            Description = "Rule set, strict by default. " + description,
            HelpName = "strict|kernel",
            DefaultValueFactory = _ => "strict",
        }.AcceptOnlyFromAmong("strict", "kernel");

    /// <summary><c>--json</c>.</summary>
    internal static Option<bool> JsonOption(string shape) => new("--json")
    {
        Description = "Print one JSON object instead of text: " + shape + ".",
    };

    /// <summary>
    /// Reads a small file whole, also from procfs and sysfs, whose files report no length.
    /// </summary>
    internal static bool TryReadSmallFile(string path, int maxSize, out byte[] contents, out string error)
    {
        contents = [];
        error = string.Empty;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            using var collected = new MemoryStream();
            byte[] chunk = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (collected.Length + read > maxSize)
                {
                    error = string.Create(CultureInfo.InvariantCulture, $"'{path}' is larger than {maxSize} bytes");
                    return false;
                }

                collected.Write(chunk, 0, read);
            }

            contents = collected.ToArray();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = $"cannot read '{path}': {e.Message}";
            return false;
        }
    }

    private static int Run(ParseResult parse, string? text, string? file, bool kernelMode, bool asJson)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter errorOutput = parse.InvocationConfiguration.Error;
        byte[] commandLine;
        if (text is not null)
        {
            // The kernel reads bytes; an argument is the UTF-8 that .NET decoded from argv, so encode it back.
            commandLine = Encoding.UTF8.GetBytes(text);
        }
        else
        {
            string path = file ?? DefaultFile;
            if (!TryReadSmallFile(path, MaxFileSize, out byte[] bytes, out string readError))
            {
                errorOutput.WriteLine($"cmdline: {readError}");
                return Program.ExitUsage;
            }

            // The bytes as they are: the kernel's rules are byte rules (0xa0 is a space to its isspace).
            commandLine = bytes;
        }

        CommandLineQuirks quirks = kernelMode ? CommandLineQuirks.Kernel : CommandLineQuirks.None;
        bool found = KernelCommandLine.TryGetDmCryptKeysAddress(commandLine, quirks, out ulong address, out CommandLineProblem problem);
        if (asJson)
        {
            using var json = new JsonOutput();
            json.Writer.WriteStartObject();
            if (found)
            {
                json.Writer.WriteNumber("address", address);
            }
            else
            {
                WriteFailure(json.Writer, problem.Code, problem.Message, withSize: false);
            }

            json.Writer.WriteEndObject();
            json.WriteTo(output);
        }
        else if (found)
        {
            output.WriteLine(FormatAddress(address));
        }

        if (!found)
        {
            errorOutput.WriteLine($"cmdline: {problem}");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }

    /// <summary><c>0x</c> and lowercase hex, as the loader writes the address.</summary>
    internal static string FormatAddress(ulong address) => string.Create(CultureInfo.InvariantCulture, $"0x{address:x}");

    /// <summary>The failure fields of the JSON object: <c>"address": null, ["size": null,] "error": CODE, "message": TEXT</c>.</summary>
    internal static void WriteFailure(Utf8JsonWriter json, string code, string message, bool withSize)
    {
        json.WriteNull("address");
        if (withSize)
        {
            json.WriteNull("size");
        }

        json.WriteString("error", code);
        json.WriteString("message", message);
    }
}
