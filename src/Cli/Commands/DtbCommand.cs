using System.CommandLine;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>dtb [FILE] [--json]</c>: the blob's address (and size) from <c>/chosen/linux,dmcryptkeys</c> of a
/// flattened device tree (by default <c>/sys/firmware/fdt</c>). Exit 0 with the address, 1 when there is
/// none or the tree is invalid, 2 on a usage or I/O error.
/// </summary>
internal static class DtbCommand
{
    /// <summary>Read when FILE is omitted: the device tree the running kernel booted with.</summary>
    public const string DefaultFile = "/sys/firmware/fdt";

    /// <summary>Largest file read; real device trees are tens or hundreds of KiB.</summary>
    public const int MaxFileSize = 16 << 20;

    public static Command Create()
    {
        var file = new Argument<string?>("FILE")
        {
            Description = "A flattened device tree blob (DTB). Default: " + DefaultFile + ".",
            Arity = ArgumentArity.ZeroOrOne,
        };
        Option<bool> json = CmdlineCommand.JsonOption("{\"address\": N, \"size\": N or null}; on failure {\"address\": null, \"size\": null, \"error\": CODE, \"message\": TEXT}");
        var command = new Command("dtb", "Print the dm-crypt keys blob's address from /chosen/linux,dmcryptkeys of a device tree, as the kdump kernel reads it (arm64, ppc64le, riscv).")
        {
            file,
            json,
        };
        command.SetAction(parse => Run(parse, parse.GetValue(file) ?? DefaultFile, parse.GetValue(json)));
        return command;
    }

    private static int Run(ParseResult parse, string path, bool asJson)
    {
        TextWriter output = parse.InvocationConfiguration.Output;
        TextWriter errorOutput = parse.InvocationConfiguration.Error;
        if (!CmdlineCommand.TryReadSmallFile(path, MaxFileSize, out byte[] dtb, out string readError))
        {
            errorOutput.WriteLine($"dtb: {readError}");
            return Program.ExitUsage;
        }

        bool found = DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out DeviceTreeError error);
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
                CmdlineCommand.WriteFailure(json.Writer, error.ToString(), HandoffErrors.GetMessage(error), withSize: true);
            }

            json.Writer.WriteEndObject();
            json.WriteTo(output);
        }
        else if (found)
        {
            output.WriteLine(CmdlineCommand.FormatAddress(range.Address));
        }

        if (!found)
        {
            errorOutput.WriteLine($"dtb: {HandoffErrors.GetMessage(error)}");
            return Program.ExitInvalid;
        }

        return Program.ExitOk;
    }
}
