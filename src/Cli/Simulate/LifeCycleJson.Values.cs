using System.Text.Json;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Cli.Simulate;

// Values every step writes the same way: codes, errno names, ranges, flags and enum names.
internal static partial class LifeCycleJson
{
    // A real key's serial, or null in the model.
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

    // A configfs read: its value, or null when the read failed (or was not made).
    private static void WriteRead(Utf8JsonWriter json, string name, ConfigfsResult<bool> read)
    {
        if (read.Succeeded)
        {
            json.WriteBoolean(name, read.Value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteRead(Utf8JsonWriter json, string name, ConfigfsResult<int>? read)
    {
        if (read is { Succeeded: true } value)
        {
            json.WriteNumber(name, value.Value);
        }
        else
        {
            json.WriteNull(name);
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
    // Each plaintext copy of keys a kernel keeps (PlaintextCopy): which one, its size and how many keys it holds.
    private static void WritePlaintextCopies(Utf8JsonWriter json, string name, IReadOnlyList<PlaintextCopy> copies)
    {
        WriteObjects(json, name, copies, static (json, copy) =>
        {
            json.WriteString("kind", Name(copy.Kind));
            json.WriteNumber("size", copy.Size);
            json.WriteNumber("keys", copy.Keys);
        });
    }

    // An array of objects, one per item; `write` writes an item's members.
    private static void WriteObjects<T>(Utf8JsonWriter json, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        json.WriteStartArray(name);
        foreach (T item in items)
        {
            json.WriteStartObject();
            write(json, item);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

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
