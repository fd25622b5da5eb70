using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CrashDmCrypt.Cli.Common;

/// <summary>
/// One JSON document built with <see cref="Utf8JsonWriter"/> (no reflection, so trimming stays clean)
/// into pinned memory, then copied to a <see cref="TextWriter"/>. Dispose it: that zeroises every buffer
/// this class owns, since the document may hold key material.
/// </summary>
internal sealed class JsonOutput : IDisposable
{
    // The output is read by tools, not embedded in HTML, so only what JSON itself requires is escaped.
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly PinnedBufferWriter _buffer = new();

    /// <summary>Starts an empty document.</summary>
    public JsonOutput() => Writer = new Utf8JsonWriter(_buffer, Options);

    /// <summary>Write the document here.</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>Writes the document and a newline to <paramref name="output"/>.</summary>
    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Writer.Flush();
        ReadOnlySpan<byte> utf8 = _buffer.WrittenSpan;
        char[] chars = GC.AllocateArray<char>(Encoding.UTF8.GetCharCount(utf8), pinned: true);
        try
        {
            Encoding.UTF8.GetChars(utf8, chars);
            output.Write(chars);
            output.WriteLine();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(chars.AsSpan()));
        }
    }

    /// <summary>Clears the document.</summary>
    public void Dispose()
    {
        Writer.Dispose();
        _buffer.Dispose();
    }
}
