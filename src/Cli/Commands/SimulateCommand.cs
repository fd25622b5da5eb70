using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Cli.Simulate;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>simulate [--keys N] [--seed S] [--handoff cmdline|dtb] [--mode strict|kernel] [--hotplug] [--kdump-utils-reuse-bug]
/// [--keyring model|kernel] [--luks model|cryptsetup] [--real] [--cryptsetup PATH] [--json]</c>: runs the whole key life
/// cycle on the kernel model, with the real kernel keyring and real LUKS2 images where asked, and prints each step.
/// Exit 0 when every volume was unlocked in the kdump kernel and no key was left in reserved memory, 1 when the life
/// cycle failed, 2 on a usage error or when a real part asked for is missing (no keyring support, no cryptsetup);
/// 128 + the signal when interrupted (the temporary images and keyrings are removed first). Never prints key bytes.
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
            Description = "How the blob's address reaches the kdump kernel: cmdline (x86_64 dmcryptkeys=) or dtb (arm64, ppc64 /chosen/linux,dmcryptkeys).",
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
        var keyring = new Option<KeyringBackend>("--keyring")
        {
            Description = "Where the keys live: model (the default) or kernel (real logon and user keys in private session keyrings; presence and expiry decided by the kernel).",
            HelpName = "model|kernel",
            CustomParser = result => ParseChoice(result, "--keyring", ("model", KeyringBackend.Model), ("kernel", KeyringBackend.Kernel)),
        };
        var luks = new Option<LuksBackend>("--luks")
        {
            Description = "What the volumes are: model (the default) or cryptsetup (real LUKS2 image files in a temporary folder; cryptsetup checks each restored key against its header).",
            HelpName = "model|cryptsetup",
            CustomParser = result => ParseChoice(result, "--luks", ("model", LuksBackend.Model), ("cryptsetup", LuksBackend.Cryptsetup)),
        };
        var real = new Option<bool>("--real")
        {
            Description = "Both real parts: --keyring kernel --luks cryptsetup.",
        };
        var cryptsetup = new Option<string?>("--cryptsetup")
        {
            Description = "The cryptsetup program for --luks cryptsetup (default: the first on PATH, then /usr/sbin, /sbin, /usr/local/sbin).",
            HelpName = "PATH",
        };

        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object (options, counts, verdict and each step's fields) instead of text.",
        };

        var command = new Command(
            "simulate",
            "Run the whole kdump key life cycle on a model of both kernels: unlock volumes, create configfs items, load the crash kernel, crash, restore the keys, open the volumes, count what stays in reserved memory.");
        command.Add(keys);
        command.Add(seed);
        command.Add(handoff);
        command.Add(mode);
        command.Add(hotplug);
        command.Add(reuseBug);
        command.Add(keyring);
        command.Add(luks);
        command.Add(real);
        command.Add(cryptsetup);
        command.Add(json);
        command.SetAction(parse =>
        {
            bool both = parse.GetValue(real);
            var options = new LifeCycleOptions
            {
                Keyring = both ? KeyringBackend.Kernel : parse.GetValue(keyring),
                Luks = both ? LuksBackend.Cryptsetup : parse.GetValue(luks),
                CryptsetupPath = parse.GetValue(cryptsetup),
                Keys = parse.GetValue(keys),
                Seed = parse.GetValue(seed),
                Handoff = parse.GetValue(handoff),
                RestoreMode = parse.GetValue(mode),
                Hotplug = parse.GetValue(reuseBug) ? HotplugReload.KdumpUtilsReuseBug
                    : parse.GetValue(hotplug) ? HotplugReload.Intended
                    : HotplugReload.None,
            };
            TextWriter output = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            LifeCycleReport? report;
            RealPartsProblem problem;
            using (var interrupt = new Interrupt(options.Keyring == KeyringBackend.Kernel || options.Luks == LuksBackend.Cryptsetup))
            {
                try
                {
                    if (!KdumpLifeCycle.TryRun(options, interrupt.Token, out report, out problem))
                    {
                        error.WriteLine(LifeCycleText.Describe(problem));
                        return Program.ExitUsage;
                    }
                }
                catch (OperationCanceledException) when (interrupt.Signal is { } signal)
                {
                    error.WriteLine($"simulate: interrupted by {signal}; the temporary LUKS images and private keyrings were removed");
                    return 128 + Interrupt.Number(signal);
                }
            }

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

    private static T ParseChoice<T>(ArgumentResult result, string option, params (string Name, T Value)[] choices)
    {
        string text = result.Tokens[0].Value;
        foreach ((string name, T value) in choices)
        {
            if (text == name)
            {
                return value;
            }
        }

        result.AddError($"{option} must be {string.Join(" or ", choices.Select(c => $"'{c.Name}'"))}.");
        return default!;
    }

    /// <summary>
    /// While real parts run: SIGINT, SIGTERM, SIGHUP and SIGQUIT cancel the run instead of ending the process, so
    /// the run removes its temporary LUKS images and keyrings before the command exits.
    /// </summary>
    private sealed class Interrupt : IDisposable
    {
        private static readonly PosixSignal[] Signals = [PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT];
        private readonly CancellationTokenSource _source = new();
        private readonly List<PosixSignalRegistration> _registrations = [];

        public Interrupt(bool active)
        {
            if (!active || OperatingSystem.IsWindows())
            {
                return;
            }

            foreach (PosixSignal signal in Signals)
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    Signal ??= context.Signal;
                    _source.Cancel();
                }));
            }
        }

        public CancellationToken Token => _source.Token;

        public PosixSignal? Signal { get; private set; }

        public static int Number(PosixSignal signal) => signal switch
        {
            PosixSignal.SIGHUP => 1,
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            _ => 15,
        };

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in _registrations)
            {
                registration.Dispose();
            }

            _source.Dispose();
        }
    }

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
