using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// What <c>inspect</c> and <c>validate</c> print about a region: its problems, or the blob's entries,
/// as text or as the JSON object documented in the README.
/// </summary>
internal static class BlobReport
{
    /// <summary>Shown instead of the part of a kernel-mode description that runs on into the key bytes.</summary>
    public const string HiddenKeyDataMarker = "[key data hidden]";

    // Room for the problems of a typical invalid blob; more cost a second pass.
    private const int ExpectedProblems = 16;

    /// <summary>
    /// Every problem <see cref="KeyBlobReader.CollectProblems"/> finds, in one pass unless there are more
    /// than 16; empty when the region is valid.
    /// </summary>
    public static KeyBlobProblem[] CollectProblems(ReadOnlySpan<byte> region, KeyBlobReadOptions options)
    {
        var problems = new KeyBlobProblem[ExpectedProblems];
        int count = KeyBlobReader.CollectProblems(region, options, problems);
        if (count > problems.Length)
        {
            problems = new KeyBlobProblem[count];
            KeyBlobReader.CollectProblems(region, options, problems);
        }

        return problems[..count];
    }

    /// <summary>One line per problem: code, entry (or header), offset from the blob's start, message.</summary>
    public static void WriteProblems(TextWriter output, ReadOnlySpan<KeyBlobProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (KeyBlobProblem problem in problems)
        {
            output.WriteLine(problem.ToString());
        }
    }

    /// <summary><c>valid (MODE, ORDER-endian): N keys, SIZE bytes, DIGEST</c>.</summary>
    public static void WriteSummary(TextWriter output, KeyBlob blob)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"valid ({CliOptions.Name(blob.Options.Mode)}, {CliOptions.Name(blob.Options.ByteOrder)}-endian): {blob.Count} key{(blob.Count == 1 ? string.Empty : "s")}, {blob.Size} bytes, {BlobDigest.FormatWithoutKeys(blob.Bytes)}"));
    }

    /// <summary>The summary lines and one line per entry (and its key hex, when asked).</summary>
    public static void WriteText(TextWriter output, KeyBlob blob, bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count: {blob.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size: {blob.Size} bytes"));
        output.WriteLine($"digest: {BlobDigest.FormatWithoutKeys(blob.Bytes)}");
        if (showKeyMaterial)
        {
            output.WriteLine($"full digest: {BlobDigest.FormatFull(blob.Bytes)}");
        }

        output.WriteLine($"byte order: {CliOptions.Name(blob.Options.ByteOrder)}");
        output.WriteLine($"mode: {CliOptions.Name(blob.Options.Mode)}");
        foreach (KeyBlobEntry entry in blob)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"entry {entry.Index}: key size {entry.KeySize}, description {ShownDescription(entry, showKeyMaterial)}"));
            if (showKeyMaterial)
            {
                output.Write(string.Create(CultureInfo.InvariantCulture, $"entry {entry.Index}: key hex "));
                KeyHex.Write(output, entry.Key);
                output.WriteLine();
            }
        }
    }

    /// <summary>
    /// The description as printed. In kernel mode a description without a NUL in its 128-byte field runs on
    /// into the key bytes (as the kernel's C string would); that tail is key material, so it is shown only
    /// with --show-key-material and is otherwise replaced by a fixed marker (a count of hidden bytes would
    /// tell where the key's first zero byte is).
    /// </summary>
    internal static string ShownDescription(KeyBlobEntry entry, bool showKeyMaterial) =>
        ShownDescription(entry.Description, entry.DescriptionRunsIntoData, showKeyMaterial);

    /// <summary>The same rule for any description: the part past the 128-byte field is hidden unless asked.</summary>
    internal static string ShownDescription(ReadOnlySpan<byte> description, bool runsIntoData, bool showKeyMaterial) =>
        runsIntoData && !showKeyMaterial
            ? DescriptionText.Escape(description[..KeyBlobLayout.DescriptionFieldLength]) + HiddenKeyDataMarker
            : DescriptionText.Escape(description);

    /// <summary>The JSON object of a valid blob.</summary>
    public static void WriteJson(Utf8JsonWriter json, KeyBlob blob, bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("byteOrder", CliOptions.Name(blob.Options.ByteOrder));
        json.WriteString("mode", CliOptions.Name(blob.Options.Mode));
        json.WriteNumber("count", blob.Count);
        json.WriteNumber("size", blob.Size);
        WriteDigests(json, blob.Bytes, showKeyMaterial);
        json.WriteStartArray("keys");
        foreach (KeyBlobEntry entry in blob)
        {
            json.WriteStartObject();
            json.WriteNumber("index", entry.Index);
            json.WriteString("description", ShownDescription(entry, showKeyMaterial));
            json.WriteNumber("keySize", entry.KeySize);
            if (showKeyMaterial)
            {
                KeyHex.Write(json, "keyHex", entry.Key);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("errors");
        json.WriteEndArray();
        if (blob.Options.Mode == KeyBlobMode.Kernel)
        {
            KernelRestoreReport.Write(json, blob.Bytes, blob.Options.ByteOrder, showKeyMaterial);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// The JSON object of an invalid region: <c>keys</c> is empty, <c>count</c> is the raw <c>total_keys</c>
    /// (null with fewer than 4 bytes), <c>size</c> is 4 + 388 * count (null when count is above 128), and
    /// <c>digest</c> covers those bytes (null when the region is shorter).
    /// </summary>
    public static void WriteJson(
        Utf8JsonWriter json,
        ReadOnlySpan<byte> region,
        KeyBlobReadOptions options,
        ReadOnlySpan<KeyBlobProblem> problems,
        bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("byteOrder", CliOptions.Name(options.ByteOrder));
        json.WriteString("mode", CliOptions.Name(options.Mode));
        WriteInvalidSummary(json, region, options.ByteOrder, showKeyMaterial);
        json.WriteStartArray("keys");
        json.WriteEndArray();
        json.WriteStartArray("errors");
        foreach (KeyBlobProblem problem in problems)
        {
            json.WriteStartObject();
            json.WriteString("code", problem.Code);
            if (problem.EntryIndex < 0)
            {
                json.WriteNull("entry");
            }
            else
            {
                json.WriteNumber("entry", problem.EntryIndex);
            }

            json.WriteNumber("offset", problem.Offset);
            json.WriteString("message", problem.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (options.Mode == KeyBlobMode.Kernel)
        {
            KernelRestoreReport.Write(json, region, options.ByteOrder, showKeyMaterial);
        }

        json.WriteEndObject();
    }

    // "digest" always; "fullDigest" (every byte, keys included) only when key material may be shown.
    private static void WriteDigests(Utf8JsonWriter json, ReadOnlySpan<byte> blob, bool showKeyMaterial)
    {
        json.WriteString("digest", BlobDigest.FormatWithoutKeys(blob));
        if (showKeyMaterial)
        {
            json.WriteString("fullDigest", BlobDigest.FormatFull(blob));
        }
    }

    private static void WriteNullDigests(Utf8JsonWriter json, bool showKeyMaterial)
    {
        json.WriteNull("digest");
        if (showKeyMaterial)
        {
            json.WriteNull("fullDigest");
        }
    }

    private static void WriteInvalidSummary(Utf8JsonWriter json, ReadOnlySpan<byte> region, KeyBlobByteOrder byteOrder, bool showKeyMaterial)
    {
        if (!KeyBlobReader.TryReadCount(region, byteOrder, out uint count))
        {
            json.WriteNull("count");
            json.WriteNull("size");
            WriteNullDigests(json, showKeyMaterial);
            return;
        }

        json.WriteNumber("count", count);
        if (!KeyBlobLayout.TryGetBlobSize(count, out int size))
        {
            json.WriteNull("size");
            WriteNullDigests(json, showKeyMaterial);
            return;
        }

        json.WriteNumber("size", size);
        if (region.Length >= size)
        {
            WriteDigests(json, region[..size], showKeyMaterial);
        }
        else
        {
            WriteNullDigests(json, showKeyMaterial);
        }
    }
}
