using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// The kernel-mode fields of <c>inspect --json</c>: what the kdump kernel's restore does with each entry
/// (<see cref="KeyBlobKernelRestore"/>), as documented in spec/FORMAT.md section 5.1 and the README.
/// Key bytes, and description bytes past the 128-byte field (they come from the key data), are printed only with
/// --show-key-material.
/// </summary>
internal static class KernelRestoreReport
{
    /// <summary>Writes <c>kernelRestore</c>, <c>kernelFault</c>, <c>restored</c>, <c>refused</c> and <c>undetermined</c>.</summary>
    public static void Write(Utf8JsonWriter json, ReadOnlySpan<byte> region, KeyBlobByteOrder byteOrder, bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(json);
        var entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(region, byteOrder, entries);
        json.WriteString("kernelRestore", summary.Status switch
        {
            KernelRestoreStatus.EntriesHandled => "entriesHandled",
            KernelRestoreStatus.CountTooLarge => "countTooLarge",
            KernelRestoreStatus.KernelBug => "kernelBug",
            _ => "countNotInInput",
        });

        // The kernel gives up on the blob for a count above 128 (kernel/crash_dump_dm_crypt.c:119-123), and oopses on an
        // empty description (security/keys/keyring.c:1308), after adding the entries before it.
        switch (summary.Status)
        {
            case KernelRestoreStatus.CountTooLarge:
                json.WriteString("kernelFault", "countTooLarge");
                break;
            case KernelRestoreStatus.KernelBug:
                json.WriteString("kernelFault", "bugEmptyDescription");
                json.WriteNumber("kernelFaultEntry", summary.EntryCount - 1);
                break;
            default:
                json.WriteNull("kernelFault");
                break;
        }

        json.WriteNumber("bytesPastInput", summary.BytesPastInput);
        ReadOnlySpan<KernelRestoreEntry> handled = entries.AsSpan(0, summary.EntryCount);
        WriteArray(json, "restored", region, handled, e => e.Added, showKeyMaterial);
        WriteArray(json, "refused", region, handled, e => e.Action == KernelKeyAction.Refused, showKeyMaterial);
        WriteArray(json, "undetermined", region, handled, e => e.Action == KernelKeyAction.Undetermined, showKeyMaterial);
    }

    // One array of the entries that match, each written as its action shows it.
    private static void WriteArray(
        Utf8JsonWriter json, string name, ReadOnlySpan<byte> region, ReadOnlySpan<KernelRestoreEntry> handled, Func<KernelRestoreEntry, bool> match, bool showKeyMaterial)
    {
        json.WriteStartArray(name);
        foreach (KernelRestoreEntry entry in handled)
        {
            if (!match(entry))
            {
                continue;
            }

            if (entry.Added)
            {
                WriteAdded(json, region, entry, showKeyMaterial);
                continue;
            }

            json.WriteStartObject();
            json.WriteNumber("index", entry.Index);
            if (entry.Action == KernelKeyAction.Refused)
            {
                json.WriteString("errno", "EINVAL");
                json.WriteString("reason", entry.Refusal == KernelKeyRefusal.KeySizeZero ? "keySizeZero" : "keySizeTooLarge");
            }
            else
            {
                WriteDescription(json, region, entry, showKeyMaterial);
            }

            json.WriteNumber("keySize", entry.KeySize);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>
    /// The text form of <see cref="Write"/>: one line for the blob and one per entry the kernel handles, what it adds,
    /// refuses or cannot be predicted here. Key bytes and their digests are never printed in text.
    /// </summary>
    public static void WriteText(TextWriter output, ReadOnlySpan<byte> region, KeyBlobByteOrder byteOrder, bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(output);
        var entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(region, byteOrder, entries);
        string past = summary.BytesPastInput == 0 ? string.Empty : Line($"; {summary.BytesPastInput} blob bytes lie past the input");
        output.WriteLine(summary.Status switch
        {
            KernelRestoreStatus.CountTooLarge => "kernel restore: count above 128, the kernel adds nothing",
            KernelRestoreStatus.CountNotInInput => "kernel restore: count not in the input, unknown",
            KernelRestoreStatus.KernelBug => Line($"kernel restore: BUG at entry {summary.EntryCount - 1} (empty description), the entries before it added{past}"),
            _ => Line($"kernel restore: {summary.EntryCount} {(summary.EntryCount == 1 ? "entry" : "entries")} handled{past}"),
        });

        foreach (KernelRestoreEntry entry in entries.AsSpan(0, summary.EntryCount))
        {
            output.WriteLine(entry.Action switch
            {
                KernelKeyAction.Created or KernelKeyAction.Updated => Line(
                    $"kernel entry {entry.Index}: {(entry.Action == KernelKeyAction.Updated ? Line($"updated (key of entry {entry.UpdatesEntry})") : "created")}, description {ShownDescription(region, entry, showKeyMaterial)}, key size {entry.KeySize}{Past(entry)}"),
                KernelKeyAction.Refused => Line($"kernel entry {entry.Index}: refused, EINVAL ({(entry.Refusal == KernelKeyRefusal.KeySizeZero ? "key size 0" : "key size above 32767")})"),
                KernelKeyAction.Undetermined => Line($"kernel entry {entry.Index}: undetermined, description {ShownDescription(region, entry, showKeyMaterial)}, key size {entry.KeySize}"),
                _ => Line($"kernel entry {entry.Index}: BUG_ON in __key_link_begin (empty description)"),
            });
        }

        static string Past(KernelRestoreEntry entry) =>
            entry.KeyBytesPastEntry == 0 ? string.Empty : Line($", the key reads {entry.KeyBytesPastEntry} {(entry.KeyBytesPastEntry == 1 ? "byte" : "bytes")} past its entry");

        static string Line(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    private static string ShownDescription(ReadOnlySpan<byte> region, KernelRestoreEntry entry, bool showKeyMaterial) =>
        BlobReport.ShownDescription(entry.GetDescription(region), entry.DescriptionRunsIntoData, showKeyMaterial);

    private static void WriteAdded(Utf8JsonWriter json, ReadOnlySpan<byte> region, KernelRestoreEntry entry, bool showKeyMaterial)
    {
        json.WriteStartObject();
        json.WriteNumber("index", entry.Index);
        json.WriteString("action", entry.Action == KernelKeyAction.Updated ? "updated" : "created");
        WriteIndex(json, "updates", entry.UpdatesEntry);
        WriteIndex(json, "supersededBy", entry.SupersededBy);
        WriteDescription(json, region, entry, showKeyMaterial);
        json.WriteNumber("keySize", entry.KeySize);
        json.WriteNumber("bytesPastEntry", entry.KeyBytesPastEntry);
        json.WriteNumber("bytesPastBlob", entry.KeyBytesPastBlob);
        json.WriteNumber("bytesPastInput", entry.KeyBytesPastInput);
        if (showKeyMaterial)
        {
            if (entry.KeyKnown)
            {
                Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
                SHA256.HashData(entry.GetKnownKey(region), digest);
                json.WriteString("sha256", Convert.ToHexStringLower(digest));
            }
            else
            {
                // Bytes the kernel reads past the blob (its heap) or past the input are unknown here.
                json.WriteNull("sha256");
            }
        }

        json.WriteEndObject();
    }

    // description: escaped, the part past the 128-byte field hidden unless asked; descriptionHex: exact bytes when they
    // may be shown, else null; descriptionLength: bytes known; descriptionComplete: its NUL is known. The last three are
    // null, like descriptionHex, when the description runs into key data and --show-key-material is not given.
    private static void WriteDescription(Utf8JsonWriter json, ReadOnlySpan<byte> region, KernelRestoreEntry entry, bool showKeyMaterial)
    {
        ReadOnlySpan<byte> description = entry.GetDescription(region);
        bool hide = entry.DescriptionRunsIntoData && !showKeyMaterial;
        json.WriteString("description", BlobReport.ShownDescription(description, entry.DescriptionRunsIntoData, showKeyMaterial));
        if (hide)
        {
            json.WriteNull("descriptionHex");
        }
        else
        {
            json.WriteString("descriptionHex", Convert.ToHexStringLower(description));
        }

        // Past the 128-byte field these tell where the key's first zero byte is, or that it has none: hidden too.
        if (hide)
        {
            json.WriteNull("descriptionLength");
            json.WriteNull("descriptionComplete");
            json.WriteNull("descriptionPastBlob");
            return;
        }

        json.WriteNumber("descriptionLength", entry.DescriptionLength);
        json.WriteBoolean("descriptionComplete", entry.DescriptionComplete);
        json.WriteBoolean("descriptionPastBlob", entry.DescriptionRunsPastBlob);
    }

    private static void WriteIndex(Utf8JsonWriter json, string name, int index)
    {
        if (index < 0)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteNumber(name, index);
        }
    }
}
