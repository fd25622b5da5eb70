using System.Text.Json;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Simulate;

// The kdump kernel's steps: the restore, cryptsetup's checks and the dump.
internal static partial class LifeCycleJson
{
    private static void WriteRestore(Utf8JsonWriter json, RestoreStep restore)
    {
        KdumpRestoreOutcome outcome = restore.Outcome;
        json.WriteStartObject("write");
        WriteRead(json, "before", restore.RestoreBefore);

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
        WritePlaintextCopies(json, "kdumpPlaintextCopies", restore.KdumpPlaintextCopies);
        json.WriteNumber("volumesOpened", restore.VolumesOpened);
        WriteObjects(json, "volumes", restore.Volumes, static (json, volume) =>
        {
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
        });
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
}
