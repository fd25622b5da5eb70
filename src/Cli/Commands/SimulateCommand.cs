using System.CommandLine;
using System.CommandLine.Parsing;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Cli.Simulate;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>simulate [--keys N] [--seed S] [--handoff cmdline|dtb] [--mode strict|kernel] [--hotplug] [--kdump-utils-reuse-bug] [--json]</c>: runs the whole
/// key life cycle on the kernel model and prints each step. Exit 0 when every volume was unlocked in the
/// kdump kernel and no key was left in reserved memory, 1 when the life cycle failed, 2 on a usage error.
/// Never prints key bytes.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var keys = new Option<int>("--keys", "-n")
        {
            Description = $"Number of encrypted volumes, 1..{LifeCycleOptions.MaxKeys} ({LifeCycleOptions.MaxKeys} shows the kernel's 129th-item quirk).",
            HelpName = "N",
            DefaultValueFactory = _ => 2,
        };
        keys.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value is < 1 or > LifeCycleOptions.MaxKeys)
            {
                result.AddError($"--keys must be 1..{LifeCycleOptions.MaxKeys}, not {value}.");
            }
        });
        var seed = new Option<int>("--seed", "-s")
        {
            Description = "Seed of the volumes' UUIDs and keys and of the blob's random placement; the same seed gives the same run.",
            HelpName = "S",
            DefaultValueFactory = _ => 1,
        };
        var handoff = new Option<KdumpHandoff>("--handoff")
        {
            Description = "How the blob's address reaches the kdump kernel: cmdline (x86_64 dmcryptkeys=) or dtb (arm64, ppc64le, riscv /chosen/linux,dmcryptkeys).",
            HelpName = "cmdline|dtb",
            DefaultValueFactory = _ => KdumpHandoff.CommandLine,
            CustomParser = ParseHandoff,
        };
        Option<KeyBlobMode> mode = CliOptions.Mode();
        mode.Description = "How the kdump kernel reads the blob: strict (also checks the address lies in the crashkernel region; the default) or kernel (exactly what the kernel reads).";
        var hotplug = new Option<bool>("--hotplug")
        {
            Description = "After the keys expired, a CPU hot-plug reloads the kdump kernel through kdump-udev-throttler as kdump-utils intends it (reuse written 1, kdumpctl reload, reuse written 0).",
        };
        var reuseBug = new Option<bool>("--kdump-utils-reuse-bug")
        {
            Description = "Do that hot-plug reload with kdump-udev-throttler as written: its '[[ -f reuse ]] || echo 1 > reuse' never writes, so the reload asks for the expired keys.",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object (options, counts, verdict and each step's fields) instead of text.",
        };

        var command = new Command(
            "simulate",
            "Run the whole kdump key life cycle on a model of both kernels: unlock volumes, create configfs items, load the crash kernel, crash, restore the keys, open the volumes, check the blob was wiped.");
        command.Add(keys);
        command.Add(seed);
        command.Add(handoff);
        command.Add(mode);
        command.Add(hotplug);
        command.Add(reuseBug);
        command.Add(json);
        command.SetAction(parse =>
        {
            var options = new LifeCycleOptions
            {
                Keys = parse.GetValue(keys),
                Seed = parse.GetValue(seed),
                Handoff = parse.GetValue(handoff),
                RestoreMode = parse.GetValue(mode),
                Hotplug = parse.GetValue(reuseBug) ? HotplugReload.KdumpUtilsReuseBug
                    : parse.GetValue(hotplug) ? HotplugReload.Intended
                    : HotplugReload.None,
            };
            LifeCycleReport report = KdumpLifeCycle.Run(options);
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                using var document = new JsonOutput();
                LifeCycleJson.Write(document.Writer, report);
                document.WriteTo(output);
            }
            else
            {
                LifeCycleText.Write(output, report);
            }

            return report.Succeeded ? Program.ExitOk : Program.ExitInvalid;
        });
        return command;
    }

    internal static string Name(KdumpHandoff handoff) => handoff == KdumpHandoff.DeviceTree ? "dtb" : "cmdline";

    private static KdumpHandoff ParseHandoff(ArgumentResult result)
    {
        string text = result.Tokens[0].Value;
        switch (text)
        {
            case "cmdline":
                return KdumpHandoff.CommandLine;
            case "dtb":
                return KdumpHandoff.DeviceTree;
            default:
                result.AddError($"--handoff must be 'cmdline' or 'dtb', not '{text}'.");
                return default;
        }
    }
}
