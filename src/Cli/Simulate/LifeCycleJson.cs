using System.Text.Json;
using CrashDmCrypt.Cli.Commands;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Simulate;

/// <summary>
/// <c>simulate --json</c>: the <see cref="LifeCycleReport"/>'s fields as one JSON object, written with
/// <see cref="Utf8JsonWriter"/> (no reflection, so the Native AOT binary writes it too). Enum values are
/// their member names in camelCase; an errno is its symbolic name (<c>"ENOKEY"</c>) or null for none.
/// Field by field in the README's <c>simulate</c> section.
/// </summary>
internal static class LifeCycleJson
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

    private static void WriteBoot(Utf8JsonWriter json, BootStep boot)
    {
        json.WriteStartObject("boot");
        json.WriteBoolean("succeeded", boot.Succeeded);
        WriteRange(json, "memory", boot.Memory);
        WriteRange(json, "crashKernelRegion", boot.CrashKernelRegion);
        json.WriteStartArray("volumes");
        foreach (LifeCycleVolume volume in boot.Volumes)
        {
            json.WriteStartObject();
            json.WriteString("uuid", volume.Uuid);
            json.WriteString("keyDescription", volume.KeyDescription);
            json.WriteNumber("keySize", volume.KeySize);
            WriteErrno(json, "errno", volume.LinkError);
            WriteSerial(json, "logonKeySerial", volume.LogonKeySerial);
            WriteErrno(json, "readBack", volume.ReadBackError);
            WriteLuksResult(json, "luksImage", volume.LuksImage);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteConfigfs(Utf8JsonWriter json, string name, ConfigfsStep configfs)
    {
        json.WriteStartObject(name);
        json.WriteBoolean("succeeded", configfs.Succeeded);
        json.WriteString("root", configfs.Root);
        if (configfs.ReuseBefore.Succeeded)
        {
            json.WriteBoolean("reuseBefore", configfs.ReuseBefore.Value);
        }
        else
        {
            json.WriteNull("reuseBefore");
        }

        json.WriteBoolean("skippedForReuse", configfs.SkippedForReuse);
        json.WriteNumber("keyTimeoutSeconds", (long)configfs.KeyTimeout.TotalSeconds);
        json.WriteNumber("itemsCreated", configfs.ItemsCreated);
        if (configfs.Count is { Succeeded: true } count)
        {
            json.WriteNumber("count", count.Value);
        }
        else
        {
            json.WriteNull("count");
        }

        json.WriteStartArray("items");
        foreach (ConfigfsItemOutcome item in configfs.Items)
        {
            json.WriteStartObject();
            json.WriteString("name", item.Name);
            json.WriteString("description", item.Description);
            json.WriteBoolean("succeeded", item.Succeeded);
            WriteErrno(json, "logonKeyLookup", item.LogonKeyLookup);
            WriteErrno(json, "logonKeySearch", item.LogonKeySearch);
            WriteErrno(json, "timeoutSet", item.TimeoutSet);
            if (item.Result is { } result)
            {
                json.WriteStartObject("configfs");
                WriteConfigfsResultFields(json, result);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("configfs");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteLoad(Utf8JsonWriter json, LoadStep load)
    {
        KexecLoadResult result = load.Load;
        CrashImage? image = result.Image;
        WriteErrno(json, "errno", result.Error);
        WriteName(json, "failure", result.Failure, KexecLoadFailure.None);
        WriteStringOrNull(json, "failedItem", result.FailedItem);
        WriteStringOrNull(json, "lookedUpDescription", result.LookedUpDescription);
        WriteFlags(json, "warnings", result.Warnings);
        if (image is null)
        {
            json.WriteNull("elfCoreHeader");
            json.WriteNull("blob");
            json.WriteNull("commandLine");
            json.WriteNull("deviceTree");
        }
        else
        {
            WriteRange(json, "elfCoreHeader", image.ElfCoreHeader);
            if (image.HasKeys)
            {
                json.WriteStartObject("blob");
                json.WriteNumber("address", image.DmCryptKeys.Start);
                json.WriteNumber("size", image.DmCryptKeys.Size);
                json.WriteNumber("keys", image.KeyCount);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("blob");
            }

            json.WriteString("commandLine", image.CommandLine);
            if (image.DeviceTree is { } dtb)
            {
                json.WriteStartObject("deviceTree");
                json.WriteNumber("size", dtb.Length);
                if (load.DeviceTreeRange is { } range)
                {
                    json.WriteStartObject("dmCryptKeys");
                    json.WriteNumber("address", range.Address);
                    if (range.Size is { } size)
                    {
                        json.WriteNumber("size", size);
                    }
                    else
                    {
                        json.WriteNull("size");
                    }

                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNull("dmCryptKeys");
                }

                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("deviceTree");
            }
        }

        json.WriteNumber("savedCopySize", load.SavedCopySize);
        json.WriteNumber("itemsRemoved", load.ItemsRemoved);
        if (load.CountAfterCleanup.Succeeded)
        {
            json.WriteNumber("countAfterCleanup", load.CountAfterCleanup.Value);
        }
        else
        {
            json.WriteNull("countAfterCleanup");
        }

        json.WriteBoolean("blobIntactAfterCleanup", load.BlobIntactAfterCleanup);
        json.WriteNumber("waitedSeconds", (long)load.Waited.TotalSeconds);
        WriteErrno(json, "logonKeyAfterWait", load.LogonKeyAfterWait);
        WriteErrno(json, "logonKeySearchAfterWait", load.LogonKeySearchAfterWait);
        if (load.RealKeyTimeout is { } timeout)
        {
            json.WriteNumber("realKeyTimeoutSeconds", (long)timeout.TotalSeconds);
        }
        else
        {
            json.WriteNull("realKeyTimeoutSeconds");
        }
    }

    private static void WriteHotplug(Utf8JsonWriter json, HotplugStep hotplug)
    {
        json.WriteBoolean("asWritten", hotplug.AsWritten);
        WriteOptionalConfigfsResult(json, "reuseWrite", hotplug.ReuseWrite);
        WriteConfigfs(json, "prepare", hotplug.Prepare);
        if (hotplug.Reload is { } reload)
        {
            json.WriteStartObject("reload");
            json.WriteBoolean("succeeded", reload.Succeeded);
            WriteErrno(json, "errno", reload.Error);
            WriteName(json, "failure", reload.Failure, KexecLoadFailure.None);
            WriteFlags(json, "warnings", reload.Warnings);
            if (reload.Image is { HasKeys: true } image)
            {
                json.WriteStartObject("blob");
                json.WriteNumber("address", image.DmCryptKeys.Start);
                json.WriteNumber("size", image.DmCryptKeys.Size);
                json.WriteNumber("keys", image.KeyCount);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("blob");
            }

            WriteStringOrNull(json, "commandLine", reload.Image?.CommandLine);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("reload");
        }

        json.WriteNumber("itemsRemoved", hotplug.ItemsRemoved);
        WriteOptionalConfigfsResult(json, "unuseWrite", hotplug.UnuseWrite);
    }

    private static void WriteOptionalConfigfsResult(Utf8JsonWriter json, string name, ConfigfsResult? result)
    {
        if (result is { } written)
        {
            json.WriteStartObject(name);
            WriteConfigfsResultFields(json, written);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteRestore(Utf8JsonWriter json, RestoreStep restore)
    {
        KdumpRestoreOutcome outcome = restore.Outcome;
        json.WriteStartObject("write");
        if (restore.RestoreBefore.Succeeded)
        {
            json.WriteBoolean("before", restore.RestoreBefore.Value);
        }
        else
        {
            json.WriteNull("before");
        }

        json.WriteBoolean("written", restore.RestoreWritten);
        WriteErrno(json, "errno", restore.RestoreWriteError);
        json.WriteEndObject();
        json.WriteString("status", Name(outcome.Status));
        json.WriteNumber("address", outcome.Address);
        json.WriteNumber("totalKeys", outcome.TotalKeys);
        json.WriteNumber("keysRestored", outcome.KeysRestored);
        json.WriteNumber("keysRefused", outcome.KeysRefused);
        if (outcome.Problem.Error == KeyBlobError.None)
        {
            json.WriteNull("problem");
        }
        else
        {
            json.WriteStartObject("problem");
            json.WriteString("code", outcome.Problem.Code);
            if (outcome.Problem.EntryIndex < 0)
            {
                json.WriteNull("entry");
            }
            else
            {
                json.WriteNumber("entry", outcome.Problem.EntryIndex);
            }

            json.WriteNumber("offset", outcome.Problem.Offset);
            json.WriteString("message", outcome.Problem.Message);
            json.WriteEndObject();
        }

        WriteCode(json, "commandLineError", outcome.CommandLineError == CommandLineError.None ? null : CommandLineErrors.GetCode(outcome.CommandLineError));
        WriteCode(json, "deviceTreeError", outcome.DeviceTreeError == DeviceTreeError.None ? null : DeviceTreeErrors.GetCode(outcome.DeviceTreeError));
        json.WriteStartArray("kdumpPlaintextCopies");
        foreach (PlaintextCopy copy in restore.KdumpPlaintextCopies)
        {
            json.WriteStartObject();
            json.WriteNumber("size", copy.Size);
            json.WriteNumber("keys", copy.Keys);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("volumesOpened", restore.VolumesOpened);
        json.WriteStartArray("volumes");
        foreach (CryptsetupOpenResult volume in restore.Volumes)
        {
            json.WriteStartObject();
            json.WriteString("uuid", volume.Uuid);
            json.WriteString("keyringSpec", volume.KeyringSpec);
            json.WriteString("status", Name(volume.Status));
            WriteSerial(json, "userKeySerial", volume.UserKeySerial);
            WriteErrno(json, "readBack", volume.ReadBackError);
            if (volume.KeyMatches is { } matches)
            {
                json.WriteBoolean("keyMatches", matches);
            }
            else
            {
                json.WriteNull("keyMatches");
            }

            WriteLuksResult(json, "luksCheck", volume.LuksCheck);
            if (volume.Revoked is { } revoked)
            {
                json.WriteBoolean("revoked", revoked == LinuxErrno.None);
            }
            else
            {
                json.WriteNull("revoked");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteDump(Utf8JsonWriter json, DumpStep dump)
    {
        json.WriteBoolean("vmcoreWritten", dump.VmcoreWritten);
        json.WriteStartArray("blobs");
        foreach (MemoryRange blob in dump.Blobs)
        {
            WriteRange(json, null, blob);
        }

        json.WriteEndArray();
        json.WriteBoolean("blobZeroised", dump.BlobZeroised);
        json.WriteNumber("nonZeroBytes", dump.NonZeroBytes);
        json.WriteNumber("userKeysZeroised", dump.UserKeysZeroised);
    }

    // A real key's serial, or null in the model.
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

    private static void WriteSerial(Utf8JsonWriter json, string name, int serial)
    {
        if (serial == 0)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, serial);
        }
    }

    // What cryptsetup did: {status, code, exitCode, stderr, errno}; null when it was not asked.
    private static void WriteLuksResult(Utf8JsonWriter json, string name, LuksCheckResult? result)
    {
        if (result is not { } r)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        json.WriteString("status", Name(r.Status));
        WriteCode(json, "code", r.Succeeded ? null : r.Code);
        json.WriteNumber("exitCode", r.ExitCode);
        WriteStringOrNull(json, "stderr", string.IsNullOrEmpty(r.ToolStandardError) ? null : r.ToolStandardError);
        WriteErrno(json, "errno", r.Errno);
        json.WriteEndObject();
    }

    private static void WriteCode(Utf8JsonWriter json, string name, string? code)
    {
        if (code is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, code);
        }
    }

    private static void WriteConfigfsResultFields(Utf8JsonWriter json, ConfigfsResult result)
    {
        json.WriteString("status", Name(result.Status));
        WriteCode(json, "code", result.Succeeded ? null : result.Code);
        WriteErrno(json, "errno", result.Errno);
        WriteFlags(json, "warnings", result.Warnings);
    }

    private static void WriteRange(Utf8JsonWriter json, string? name, MemoryRange range)
    {
        if (name is null)
        {
            json.WriteStartObject();
        }
        else
        {
            json.WriteStartObject(name);
        }

        json.WriteNumber("address", range.Start);
        json.WriteNumber("size", range.Size);
        json.WriteEndObject();
    }

    private static void WriteErrno(Utf8JsonWriter json, string name, LinuxErrno errno)
    {
        if (errno == LinuxErrno.None)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, LinuxErrors.GetName(errno));
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    // null for the "nothing to tell" member, else the member's name in camelCase.
    private static void WriteName<T>(Utf8JsonWriter json, string name, T value, T none)
        where T : struct, Enum
    {
        if (EqualityComparer<T>.Default.Equals(value, none))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, Name(value));
        }
    }

    // One string per flag set, in the order the enum declares them.
    private static void WriteFlags<T>(Utf8JsonWriter json, string name, T value)
        where T : struct, Enum
    {
        json.WriteStartArray(name);
        ulong bits = Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        foreach (T flag in Enum.GetValues<T>())
        {
            ulong flagBits = Convert.ToUInt64(flag, System.Globalization.CultureInfo.InvariantCulture);
            if (flagBits != 0 && (bits & flagBits) == flagBits)
            {
                json.WriteStringValue(Name(flag));
            }
        }

        json.WriteEndArray();
    }

    // An enum member's name in camelCase: KeyNotFound -> keyNotFound.
    private static string Name<T>(T value)
        where T : struct, Enum
    {
        string name = value.ToString();
        return name.Length == 0 || !char.IsAsciiLetterUpper(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];
    }
}
