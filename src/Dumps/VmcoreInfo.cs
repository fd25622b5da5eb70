using System.Globalization;
using System.Text;

namespace CrashDmCrypt.Dumps;

/// <summary>
/// The VMCOREINFO text the first kernel leaves for dump tools (kernel/vmcore_info.c): <c>KEY=value</c> lines.
/// Keys and values are the dump's bytes read as Latin-1, so a caller that prints them must escape them.
/// </summary>
public sealed class VmcoreInfo
{
    /// <summary>Most bytes of VMCOREINFO text read; the kernel's VMCOREINFO_BYTES is one page.</summary>
    public const int MaxLength = 1 << 16;

    private readonly List<KeyValuePair<string, string>> _fields;

    private VmcoreInfo(List<KeyValuePair<string, string>> fields) => _fields = fields;

    /// <summary>No VMCOREINFO.</summary>
    public static VmcoreInfo Empty { get; } = new([]);

    /// <summary>Every field in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary><c>OSRELEASE</c>, the kernel release, or <see langword="null"/>.</summary>
    public string? OsRelease => Get("OSRELEASE");

    /// <summary><c>PAGESIZE</c> when it is a decimal power of two, or <see langword="null"/>.</summary>
    public int? PageSize =>
        int.TryParse(Get("PAGESIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size > 0 && int.IsPow2(size) ? size : null;

    /// <summary><c>CRASHTIME</c> (seconds since the epoch), or <see langword="null"/>.</summary>
    public long? CrashTime =>
        long.TryParse(Get("CRASHTIME"), NumberStyles.None, CultureInfo.InvariantCulture, out long time) ? time : null;

    /// <summary>The value of the first field named <paramref name="key"/>, or <see langword="null"/>.</summary>
    public string? Get(string key)
    {
        foreach (var field in _fields)
        {
            if (field.Key == key)
            {
                return field.Value;
            }
        }

        return null;
    }

    /// <summary>Parses <c>KEY=value</c> lines; text after a NUL is ignored, and a line without <c>=</c> is skipped.</summary>
    internal static VmcoreInfo Parse(ReadOnlySpan<byte> text)
    {
        if (text.Length > MaxLength)
        {
            text = text[..MaxLength];
        }

        int nul = text.IndexOf((byte)0);
        if (nul >= 0)
        {
            text = text[..nul];
        }

        var fields = new List<KeyValuePair<string, string>>();
        while (!text.IsEmpty)
        {
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? text : text[..end];
            text = end < 0 ? default : text[(end + 1)..];
            int equals = line.IndexOf((byte)'=');
            if (equals > 0)
            {
                fields.Add(new(Encoding.Latin1.GetString(line[..equals]), Encoding.Latin1.GetString(line[(equals + 1)..])));
            }
        }

        return new VmcoreInfo(fields);
    }
}
