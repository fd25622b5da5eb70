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
    /// <summary>Every problem <see cref="KeyBlobReader.CollectProblems"/> finds; empty when the blob is valid.</summary>
    public static KeyBlobProblem[] CollectProblems(ReadOnlySpan<byte> region, KeyBlobReadOptions options)
    {
        int count = KeyBlobReader.CollectProblems(region, options, default);
        var problems = new KeyBlobProblem[count];
        KeyBlobReader.CollectProblems(region, options, problems);
        return problems;
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

    /// <summary>The summary lines and one line per entry (and its key hex, when asked).</summary>
    public static void WriteText(TextWriter output, KeyBlob blob, bool showKeyMaterial)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count: {blob.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size: {blob.Size} bytes"));
        output.WriteLine($"digest: {KeyBlobDigest.Format(blob.Bytes)}");
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
    /// with --show-key-material and is otherwise replaced by a marker saying how many bytes were hidden.
    /// </summary>
    internal static string ShownDescription(KeyBlobEntry entry, bool showKeyMaterial)
    {
        if (!entry.DescriptionRunsIntoData || showKeyMaterial)
        {
            return DescriptionText.Escape(entry.Description);
        }

        int hidden = entry.Description.Length - KeyBlobLayout.DescriptionFieldLength;
        return DescriptionText.Escape(entry.Description[..KeyBlobLayout.DescriptionFieldLength])
            + string.Create(CultureInfo.InvariantCulture, $"[+{hidden} bytes of key data hidden]");
    }

    /// <summary>
    /// The JSON object. For a valid blob <paramref name="problems"/> is empty and every field describes it;
    /// for an invalid one <c>keys</c> is empty, <c>count</c> is the raw <c>total_keys</c> (null with fewer
    /// than 4 bytes), <c>size</c> is 4 + 388 * count (null when count is above 128), and <c>digest</c> covers
    /// those bytes (null when the region is shorter).
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
        if (problems.IsEmpty && KeyBlobReader.TryRead(region, options, out KeyBlob blob, out _))
        {
            json.WriteNumber("count", blob.Count);
            json.WriteNumber("size", blob.Size);
            json.WriteString("digest", KeyBlobDigest.Format(blob.Bytes));
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
        }
        else
        {
            WriteInvalidSummary(json, region, options.ByteOrder);
            json.WriteStartArray("keys");
            json.WriteEndArray();
        }

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
        json.WriteEndObject();
    }

    private static void WriteInvalidSummary(Utf8JsonWriter json, ReadOnlySpan<byte> region, KeyBlobByteOrder byteOrder)
    {
        if (!KeyBlobReader.TryReadCount(region, byteOrder, out uint count))
        {
            json.WriteNull("count");
            json.WriteNull("size");
            json.WriteNull("digest");
            return;
        }

        json.WriteNumber("count", count);
        if (!KeyBlobLayout.TryGetBlobSize(count, out int size))
        {
            json.WriteNull("size");
            json.WriteNull("digest");
            return;
        }

        json.WriteNumber("size", size);
        if (region.Length >= size)
        {
            json.WriteString("digest", KeyBlobDigest.Format(region[..size]));
        }
        else
        {
            json.WriteNull("digest");
        }
    }
}
