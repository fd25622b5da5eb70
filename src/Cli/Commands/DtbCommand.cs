using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>dtb [FILE] [--mode strict|kernel] [--json]</c>: the blob's address (and size) from
/// <c>/chosen/linux,dmcryptkeys</c> of a flattened device tree (by default <c>/sys/firmware/fdt</c>). Exit 0 with
/// the address, 1 when there is none or the tree is invalid, 2 on a usage or I/O error.
/// </summary>
internal static class DtbCommand
{
    /// <summary>
    /// Read when FILE is omitted: the device tree the running kernel booted with. A Linux 7.2 kdump kernel deletes
    /// the property (drivers/of/fdt.c:873) and creates this file only after an rng-seed (:1110-1119, :1337-1340).
    /// </summary>
    public const string DefaultFile = "/sys/firmware/fdt";

    /// <summary>Largest file read; real device trees are tens or hundreds of KiB.</summary>
    public const int MaxFileSize = 16 << 20;

    public static Command Create()
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "A flattened device tree blob (DTB): the tree the kexec loader built for the kdump kernel (it lies in the crashkernel region: take it from a dump of that region). Default: " + DefaultFile + ", which cannot hold the property in a Linux 7.2 kdump kernel: the kernel deletes it at boot (drivers/of/fdt.c:873) and creates that file only when the tree had an rng-seed (:1110-1119, :1337-1340).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var mode = new Option<string>("--mode", "-m")
        {
            Description = "Rule set, strict by default. strict: also refuse a root without #address-cells (libfdt assumes 2, the kernel 1) and a property given twice; kernel: the address the kdump kernel reads (1 address cell when missing, the first of two properties).",
            HelpName = "strict|kernel",
            DefaultValueFactory = _ => "strict",
        };
        mode.AcceptOnlyFromAmong("strict", "kernel");
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object instead of text: {\"address\": N, \"size\": N or null}; on failure {\"address\": null, \"size\": null, \"error\": CODE, \"offset\": N, \"message\": TEXT}.",
        };
        var command = new Command("dtb", "Print the dm-crypt keys blob's address from /chosen/linux,dmcryptkeys of a device tree, as the kdump kernel reads it (arm64, ppc64). In a running kdump kernel the property is gone: use the tree the loader built (see FILE).")
        {
            file,
            mode,
            json,
        };
        command.SetAction(parse => Run(
            parse,
            parse.GetValue(file) ?? DefaultFile,
            parse.GetValue(mode) == "kernel" ? DeviceTreeMode.Kernel : DeviceTreeMode.Strict,
            parse.GetValue(json)));
        return command;
    }

    private static int Run(ParseResult parse, string path, DeviceTreeMode mode, bool asJson)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter errorOutput = parse.InvocationConfiguration.Error;
        if (!TryReadTree(path, out byte[] dtb, out string readError))
        {
            errorOutput.WriteLine($"dtb: {readError}");
            return Program.ExitUsage;
        }

        bool found = DeviceTree.TryReadDmCryptKeys(dtb, mode, out DmCryptKeysRange range, out DeviceTreeProblem problem);
        if (asJson)
        {
            using var json = new JsonOutput();
            json.Writer.WriteStartObject();
            if (found)
            {
                json.Writer.WriteNumber("address", range.Address);
                if (range.Size is ulong size)
                {
                    json.Writer.WriteNumber("size", size);
                }
                else
                {
                    json.Writer.WriteNull("size");
                }
            }
            else
            {
                json.Writer.WriteNull("address");
                json.Writer.WriteNull("size");
                json.Writer.WriteString("error", problem.Code);
                json.Writer.WriteNumber("offset", problem.Offset);
                json.Writer.WriteString("message", problem.Message);
            }

            json.Writer.WriteEndObject();
            json.WriteTo(output);
        }
        else if (found)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"0x{range.Address:x}"));
        }

        if (!found)
        {
            errorOutput.WriteLine($"dtb: {problem}");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }

    // Reads the whole file, at most MaxFileSize bytes; sysfs files (/sys/firmware/fdt) are read to their end like any other.
    private static bool TryReadTree(string path, out byte[] contents, out string error)
    {
        contents = [];
        error = string.Empty;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            byte[] buffer = new byte[64 * 1024];
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > MaxFileSize)
                    {
                        error = string.Create(CultureInfo.InvariantCulture, $"'{path}' is larger than {MaxFileSize} bytes");
                        return false;
                    }

                    // One byte past the limit is enough to tell a file that is too large.
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFileSize + 1));
                }

                int read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            Array.Resize(ref buffer, length);
            contents = buffer;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            error = $"cannot read '{path}': {e.Message}";
            return false;
        }
    }
}
