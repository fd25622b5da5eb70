using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Provisioning;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// The words of <c>provision</c>: one line per volume provisioned or checked, one line on standard error per
/// refusal, warning or roll-back problem, or one JSON object. The provisioner's <see cref="ProvisionResult"/> is data only.
/// </summary>
internal sealed class ProvisionReport(string root, uint timeout, bool dryRun)
{
    /// <summary>The timeout asked for, in seconds.</summary>
    public uint Timeout => timeout;

    /// <summary>Whether the run is a dry run.</summary>
    public bool DryRun => dryRun;

    /// <summary>Errors found before the provisioner ran (arguments, no keyring).</summary>
    public List<string> Errors { get; } = [];

    /// <summary>The provisioner's result; null when it did not run.</summary>
    public ProvisionResult? Result { get; set; }

    private string Status => Result?.Status switch
    {
        null or ProvisionStatus.ReuseUnreadable or ProvisionStatus.ListFailed => "error",
        ProvisionStatus.Provisioned => "provisioned",
        ProvisionStatus.Reused => "reused",
        ProvisionStatus.Checked => "checked",
        _ => "refused",
    };

    /// <summary>A UUID whose description the kernel would refuse, or take with a warning.</summary>
    public void DescriptionRefused(string uuid, string description, ConfigfsResult checkedDescription)
    {
        string why = checkedDescription.Succeeded
            ? string.Join("; ", ConfigfsText.DescribeWarnings(checkedDescription.Warnings))
            : ConfigfsText.Describe(checkedDescription, root);
        Errors.Add($"{uuid}: logon key description '{description}': {why}");
    }

    public void Write(TextWriter output, TextWriter error, bool asJson)
    {
        IReadOnlyList<ProvisionedVolume> volumes = Result?.Volumes ?? [];
        foreach (ProvisionedVolume volume in volumes)
        {
            foreach (string warning in ConfigfsText.DescribeWarnings(volume.Item?.Warnings ?? ConfigfsWarnings.None))
            {
                error.WriteLine($"provision: {volume.Uuid}: warning: {warning}");
            }

            if (Refusal(volume) is { } refusal)
            {
                error.WriteLine($"provision: {volume.Uuid}: {refusal.Message}");
            }
        }

        List<string> errors = [.. Errors, .. ResultErrors()];
        foreach (string line in errors)
        {
            error.WriteLine($"provision: {line}");
        }

        if (asJson)
        {
            WriteJson(output, volumes, errors);
            return;
        }

        foreach (ProvisionedVolume volume in volumes)
        {
            string? line = volume.State switch
            {
                ProvisionVolumeState.Provisioned => $"provisioned {volume.Uuid}: logon key {volume.Key} '{volume.Description}', {Expiry()}, item {root}/{volume.Uuid}",
                ProvisionVolumeState.Checked when Result?.Status == ProvisionStatus.Checked => $"checked {volume.Uuid}: logon key {volume.Key} '{volume.Description}' found; would set {Expiry()} and create item {root}/{volume.Uuid}",
                _ => null,
            };
            if (line is not null)
            {
                output.WriteLine(line);
            }
        }

        if (Result?.Status == ProvisionStatus.Reused)
        {
            output.WriteLine("reuse reads 1: the crash kernel reuses the keys saved in reserved memory; nothing to provision (as kdumpctl prepare_luks)");
        }
    }

    // What the run found wrong outside any one volume, and what its roll-back could not undo.
    private IEnumerable<string> ResultErrors()
    {
        if (Result is not { } result)
        {
            yield break;
        }

        if (result.Status == ProvisionStatus.ReuseUnreadable)
        {
            yield return ConfigfsText.Describe(result.Reuse.Result, root);
        }

        if (result.Listed is { Succeeded: false } listFailed)
        {
            yield return ConfigfsText.Describe(listFailed.Result, root);
        }

        if (result.ExceedsMaxKeys)
        {
            int existing = result.Listed!.Value.Value.Count;
            int total = existing + result.Volumes.Count;
            yield return string.Create(CultureInfo.InvariantCulture, $"{existing} items exist and {result.Volumes.Count} more would make {total}: the kdump kernel restores no blob of more than {KeyBlobLayout.MaxKeys} keys");
        }

        if (result.Status is not (ProvisionStatus.ConfigfsRefused or ProvisionStatus.TimeoutRefused))
        {
            yield break;
        }

        foreach (ProvisionedVolume volume in result.Volumes.Reverse())
        {
            if (volume.TimeoutRestored == false)
            {
                yield return $"{volume.Uuid}: the timeout of logon key {volume.Key} could not be put back; check it with 'keyctl show'";
            }

            if (volume.Removal is { Succeeded: false } removal)
            {
                yield return $"{volume.Uuid}: the item created by this run could not be removed; remove it by hand: {ConfigfsText.Describe(removal, root)}";
            }
        }

        yield return string.Create(CultureInfo.InvariantCulture, $"removed {result.ItemsRemoved} item(s) created by this run");
    }

    // Why a volume was refused, with the keyring's code when a key call is the reason; null when it was not.
    private (string? Code, string Message)? Refusal(ProvisionedVolume volume)
    {
        if (volume.ItemExisted)
        {
            return (null, $"configfs item {root}/{volume.Uuid} already exists (left from an earlier load?); remove it first");
        }

        if (volume.Lookup != LinuxErrno.None)
        {
            // request_key says ENOKEY for an expired key; keyctl search names it.
            bool named = volume.Lookup == LinuxErrno.ENOKEY && volume.Search is LinuxErrno.EKEYEXPIRED or LinuxErrno.EKEYREVOKED;
            KeyringResult why = KeyringResult.FromErrno(named ? volume.Search : volume.Lookup);
            string lookup = named ? $"request_key says {LinuxErrors.GetName(volume.Lookup)}, keyctl search finds it: " : string.Empty;
            return (why.Code, $"logon key '{volume.Description}': {lookup}{KeyringText.Describe(why)}");
        }

        if (volume.Item is { Succeeded: false } item)
        {
            return (null, ConfigfsText.Describe(item, root));
        }

        if (volume.Timeout is { } errno && errno != LinuxErrno.None)
        {
            KeyringResult timed = KeyringResult.FromErrno(errno);
            return (timed.Code, $"cannot set the timeout of logon key {volume.Key} '{volume.Description}': {KeyringText.Describe(timed)}");
        }

        return null;
    }

    private string Expiry() => timeout == 0
        ? "no expiry"
        : string.Create(CultureInfo.InvariantCulture, $"expires in {timeout} s");

    private void WriteJson(TextWriter output, IReadOnlyList<ProvisionedVolume> volumes, List<string> errors)
    {
        using var document = new JsonOutput();
        Utf8JsonWriter json = document.Writer;
        json.WriteStartObject();
        json.WriteString("status", Status);
        json.WriteBoolean("dryRun", dryRun);
        json.WriteNumber("timeout", timeout);
        json.WriteStartArray("volumes");
        foreach (ProvisionedVolume volume in volumes)
        {
            json.WriteStartObject();
            json.WriteString("uuid", volume.Uuid);
            json.WriteString("description", volume.Description);
            if (volume.Key == KeySerial.None)
            {
                json.WriteNull("key");
            }
            else
            {
                json.WriteNumber("key", volume.Key.Value);
            }

            json.WriteString("state", volume.State.ToString().ToLowerInvariant());
            (string? Code, string Message)? refusal = Refusal(volume);
            json.WriteString("code", refusal?.Code);
            json.WriteString("message", refusal?.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("errors");
        foreach (string line in errors)
        {
            json.WriteStringValue(line);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        document.WriteTo(output);
    }
}
