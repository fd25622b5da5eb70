using System.CommandLine;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Simulation.Provisioning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>provision [--root DIR] [--prefix P] [--timeout SECONDS] [--dry-run] [--json] UUID...</c>: kdump-utils'
/// <c>kdumpctl prepare_luks</c> for the first kernel, run by <see cref="LuksProvisioner"/> on the caller's keyrings
/// in its all-or-nothing order; this command checks the arguments, picks the exit code and has
/// <see cref="ProvisionReport"/> word the result. Exit 0 when every UUID is provisioned (or checked, with
/// <c>--dry-run</c>, or nothing is to be done because <c>reuse</c> reads 1); 1 when a key is missing, expired or
/// revoked, or the kernel refused a configfs step; 2 on a usage error, no keyring support, or an I/O or
/// permission error.
/// </summary>
internal static class ProvisionCommand
{
    private static readonly uint DefaultTimeoutSeconds = (uint)KdumpUtils.KeyTimeout.TotalSeconds;

    public static Command Create()
    {
        var root = new Option<string>("--root")
        {
            Description = "The crash_dm_crypt_keys directory; a temporary directory with count and reuse files imitates it for tests.",
            HelpName = "DIR",
            DefaultValueFactory = _ => ConfigfsAttributes.DefaultRoot,
        };
        var prefix = new Option<string>("--prefix")
        {
            Description = "Key description prefix: a volume's logon key is PREFIX<UUID>, as in kdump-utils.",
            HelpName = "PREFIX",
            DefaultValueFactory = _ => KdumpUtils.KeyDescriptionPrefix,
        };
        var timeout = new Option<uint>("--timeout")
        {
            Description = "Seconds until each logon key expires, as kdump-utils sets them; 0 removes the expiry, as 'keyctl timeout ID 0' does.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Check the keys and the configfs directory, change nothing.",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: {\"status\", \"dryRun\", \"timeout\", \"volumes\": [{\"uuid\", \"description\", \"key\", \"state\", \"code\", \"message\"}], \"errors\"}.",
        };
        var uuids = new Argument<string[]>("UUID")
        {
            Description = "LUKS UUIDs of the dump target's volumes (8-4-4-4-12 hex digits).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(
            "provision",
            "First kernel: find each volume's logon key in the caller's keyrings, set its timeout and name it in configfs, as kdumpctl prepare_luks does; all or nothing.")
        {
            root, prefix, timeout, dryRun, json, uuids,
        };
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(root) ?? ConfigfsAttributes.DefaultRoot;
            directory = directory.Length == 0 ? ConfigfsAttributes.DefaultRoot : directory;
            var report = new ProvisionReport(directory, parse.GetValue(timeout), parse.GetValue(dryRun));
            LuksProvisioner provisioner = LuksProvisioner.ForCallerKeyrings(
                new ConfigfsClient(directory),
                parse.GetValue(prefix) ?? KdumpUtils.KeyDescriptionPrefix,
                TimeSpan.FromSeconds(report.Timeout));
            int exitCode = Run(provisioner, parse.GetValue(uuids) ?? [], report);
            report.Write(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(json));
            return exitCode;
        });
        return command;
    }

    private static int Run(LuksProvisioner provisioner, IReadOnlyList<string> uuids, ProvisionReport report)
    {
        if (!CheckArguments(provisioner, uuids, report))
        {
            return Program.ExitUsage;
        }

        KeyringResult probe = KernelKeyring.Probe();
        if (!probe.Succeeded)
        {
            report.Errors.Add($"the kernel keyring is not usable here: {KeyringText.Describe(probe)}");
            return Program.ExitUsage;
        }

        ProvisionResult result = provisioner.Provision(uuids, report.DryRun);
        report.Result = result;
        return result.Status switch
        {
            ProvisionStatus.Provisioned or ProvisionStatus.Reused or ProvisionStatus.Checked => Program.ExitOk,

            // No readable reuse or item list: configfs is not mounted, or the kernel lacks CONFIG_CRASH_DM_CRYPT.
            ProvisionStatus.ReuseUnreadable or ProvisionStatus.ListFailed => Program.ExitUsage,
            ProvisionStatus.ConfigfsRefused => ConfigfsCommand.ExitCode(result.Volumes.First(v => v.Item is { Succeeded: false }).Item!.Value.Status),
            _ => Program.ExitInvalid,
        };
    }

    // Every UUID well formed and given once, and its description one the kernel takes without a warning: what the
    // kernel would accept but then fail on (a 128-byte description, no 'prefix:') is refused here.
    private static bool CheckArguments(LuksProvisioner provisioner, IReadOnlyList<string> uuids, ProvisionReport report)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string uuid in uuids)
        {
            if (!Guid.TryParseExact(uuid, "D", out _))
            {
                report.Errors.Add($"'{uuid}' is not a LUKS UUID (8-4-4-4-12 hex digits)");
                continue;
            }

            if (!seen.Add(uuid))
            {
                report.Errors.Add($"{uuid} is given twice");
                continue;
            }

            string description = provisioner.DescriptionOf(uuid);
            ConfigfsResult checkedDescription = ConfigfsClient.CheckDescription(description);
            if (!checkedDescription.Succeeded || checkedDescription.Warnings != ConfigfsWarnings.None)
            {
                report.DescriptionRefused(uuid, description, checkedDescription);
            }
        }

        return report.Errors.Count == 0;
    }
}
