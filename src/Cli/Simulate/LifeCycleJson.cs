using System.Text.Json;
using CrashDmCrypt.Cli.Commands;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Simulate;

/// <summary>
/// <c>simulate --json</c>: the <see cref="LifeCycleReport"/>'s fields as one JSON object, written with
/// <see cref="Utf8JsonWriter"/> (no reflection, so the Native AOT binary writes it too). Enum values are
/// their member names in camelCase; an errno is its symbolic name (<c>"ENOKEY"</c>) or null for none.
/// Field by field in the README's <c>simulate</c> section.
/// </summary>
internal static partial class LifeCycleJson
{
    /// <summary>Writes the report as one object.</summary>
    public static void Write(Utf8JsonWriter json, LifeCycleReport report)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(report);
        LifeCycleOptions o = report.Options;
        json.WriteStartObject();
        json.WriteNumber("keys", o.Keys);
        json.WriteNumber("seed", o.Seed);
        json.WriteString("handoff", SimulateCommand.Name(o.Handoff));
        json.WriteString("mode", CliOptions.Name(o.RestoreMode));
        json.WriteString("keyring", Name(o.Keyring));
        json.WriteString("luks", Name(o.Luks));
        json.WriteNumber("keySize", o.KeySize);
        json.WriteNumber("keyTimeoutSeconds", (long)o.KeyTimeout.TotalSeconds);
        json.WriteBoolean("succeeded", report.Succeeded);
        WriteName(json, "failure", report.Failure, LifeCycleFailure.None);
        json.WriteNumber("keysProvisioned", report.KeysProvisioned);
        json.WriteNumber("blobSize", report.BlobSize);
        json.WriteNumber("blobAddress", report.BlobAddress);
        WriteStringOrNull(json, "kdumpCommandLine", report.KdumpCommandLine);
        json.WriteNumber("keysRestored", report.KeysRestored);
        json.WriteNumber("volumesOpened", report.VolumesOpened);
        json.WriteBoolean("memoryZeroised", report.MemoryZeroised);

        WriteBoot(json, report.Boot);
        WriteConfigfs(json, "configfs", report.Configfs);
        WriteStep(json, "load", report.Load, WriteLoad);
        WriteStep(json, "hotplug", report.Hotplug, WriteHotplug);
        WriteStep(json, "restore", report.Restore, WriteRestore);
        WriteStep(json, "dump", report.Dump, WriteDump);
        json.WriteEndObject();
    }

    // A step that did not run is null; one that ran is an object: its verdict, then its own fields.
    private static void WriteStep<T>(Utf8JsonWriter json, string name, T? step, Action<Utf8JsonWriter, T> writeFields)
        where T : LifeCycleStep
    {
        if (step is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteBoolean("succeeded", step.Succeeded);
        writeFields(json, step);
        json.WriteEndObject();
    }
}
