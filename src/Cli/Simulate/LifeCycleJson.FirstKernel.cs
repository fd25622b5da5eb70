using System.Text.Json;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Simulate;

// The first kernel's steps: boot, configfs, the load and a hot-plug reload.
internal static partial class LifeCycleJson
{
    private static void WriteBoot(Utf8JsonWriter json, BootStep boot)
    {
        json.WriteStartObject("boot");
        json.WriteBoolean("succeeded", boot.Succeeded);
        WriteRange(json, "memory", boot.Memory);
        WriteRange(json, "crashKernelRegion", boot.CrashKernelRegion);
        WriteObjects(json, "volumes", boot.Volumes, static (json, volume) =>
        {
            json.WriteString("uuid", volume.Uuid);
            json.WriteString("keyDescription", volume.KeyDescription);
            json.WriteNumber("keySize", volume.KeySize);
            WriteErrno(json, "errno", volume.LinkError);
            WriteSerial(json, "logonKeySerial", volume.LogonKeySerial);
            WriteErrno(json, "readBack", volume.ReadBackError);
            WriteLuksResult(json, "luksImage", volume.LuksImage);
        });
        json.WriteEndObject();
    }

    private static void WriteConfigfs(Utf8JsonWriter json, string name, ConfigfsStep configfs)
    {
        json.WriteStartObject(name);
        json.WriteBoolean("succeeded", configfs.Succeeded);
        json.WriteString("root", configfs.Root);
        WriteRead(json, "reuseBefore", configfs.ReuseBefore);

        json.WriteBoolean("skippedForReuse", configfs.SkippedForReuse);
        json.WriteNumber("keyTimeoutSeconds", (long)configfs.KeyTimeout.TotalSeconds);
        json.WriteNumber("itemsCreated", configfs.ItemsCreated);
        WriteRead(json, "count", configfs.Count);

        WriteObjects(json, "items", configfs.Items, static (json, item) =>
        {
            json.WriteString("name", item.Name);
            json.WriteString("description", item.Description);
            json.WriteBoolean("succeeded", item.Succeeded);
            WriteErrno(json, "logonKeyLookup", item.LogonKeyLookup);
            WriteErrno(json, "logonKeySearch", item.LogonKeySearch);
            WriteErrno(json, "timeoutSet", item.TimeoutSet);
            WriteOptionalConfigfsResult(json, "configfs", item.Result);
        });
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
        WritePlaintextCopies(json, "firstKernelPlaintextCopies", load.FirstKernelPlaintextCopies);
        json.WriteNumber("itemsRemoved", load.ItemsRemoved);
        WriteRead(json, "countAfterCleanup", load.CountAfterCleanup);

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
}
