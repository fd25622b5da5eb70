using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests.Vectors;

/// <summary>spec/vectors/manifest.json: what each golden vector is and what every reader must say about it.</summary>
internal sealed record VectorManifest(string Format, string Digest, IReadOnlyList<VectorCase> Vectors)
{
    public const string FormatName = "crashdmcrypt-vectors/1";

    public static string ManifestPath => Path.Combine(RepoPaths.Vectors, "manifest.json");

    /// <summary>The committed manifest, parsed once per test process.</summary>
    public static VectorManifest Committed => CommittedLazy.Value;

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly Lazy<VectorManifest> CommittedLazy = new(() => Load(ManifestPath));

    public static VectorManifest Load(string path) =>
        JsonSerializer.Deserialize<VectorManifest>(File.ReadAllText(path), JsonOptions)
        ?? throw new InvalidDataException(path + " is empty");

    public string Serialize() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    public VectorCase this[string name] => Vectors.Single(v => v.Name == name);

    public static TheoryData<string> Names(Func<VectorCase, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (VectorCase v in Committed.Vectors.Where(filter))
        {
            data.Add(v.Name);
        }

        return data;
    }
}

/// <summary>One vector file.</summary>
/// <param name="Name">File name in spec/vectors.</param>
/// <param name="What">What the vector shows.</param>
/// <param name="ByteOrder"><c>little</c> or <c>big</c>: the order to read the file in.</param>
/// <param name="RequireExactLength">Whether both verdicts are for reads with the exact-length rule on.</param>
/// <param name="Digest"><c>xxh3:</c> and 16 hex digits (the CLI's BlobDigest.FormatFull) of the whole file.</param>
/// <param name="Strict">Verdict of the strict reader.</param>
/// <param name="Kernel">Verdict of the kernel-mode reader.</param>
/// <param name="Entries">The decoded entries when kernel mode accepts the file, else null.</param>
internal sealed record VectorCase(
    string Name,
    string What,
    string ByteOrder,
    bool RequireExactLength,
    string Digest,
    VectorVerdict Strict,
    VectorVerdict Kernel,
    IReadOnlyList<VectorEntry>? Entries)
{
    public string FilePath => Path.Combine(RepoPaths.Vectors, Name);

    public KeyBlobByteOrder Order => ByteOrder switch
    {
        "little" => KeyBlobByteOrder.LittleEndian,
        "big" => KeyBlobByteOrder.BigEndian,
        _ => throw new InvalidDataException($"{Name}: byteOrder '{ByteOrder}' is neither 'little' nor 'big'"),
    };

    public KeyBlobReadOptions Options(KeyBlobMode mode) => new() { ByteOrder = Order, Mode = mode, RequireExactLength = RequireExactLength };

    public byte[] ReadBytes() => File.ReadAllBytes(FilePath);
}

/// <summary>A reader's verdict: valid, or the first failed rule with its entry (-1 for the header) and byte offset.</summary>
internal sealed record VectorVerdict(bool Valid, string? Code, string? Error, int? Entry, int? Offset)
{
    public static VectorVerdict Accepted { get; } = new(true, null, null, null, null);

    public static VectorVerdict Of(bool valid, KeyBlobProblem problem) =>
        valid
            ? Accepted
            : new VectorVerdict(false, problem.Code, problem.Error.ToString(), problem.EntryIndex, problem.Offset);
}

/// <summary>One decoded entry. The description is given as text when it is printable ASCII, else as hex.</summary>
internal sealed record VectorEntry(
    int Index,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DescriptionHex,
    int KeySize,
    string KeyHex)
{
    public static VectorEntry Create(int index, ReadOnlySpan<byte> description, ReadOnlySpan<byte> key)
    {
        bool printable = !description.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e);
        return new VectorEntry(
            index,
            printable ? Encoding.ASCII.GetString(description) : null,
            printable ? null : Convert.ToHexStringLower(description),
            key.Length,
            Convert.ToHexStringLower(key));
    }

    public byte[] DescriptionBytes() =>
        Description is not null ? Encoding.ASCII.GetBytes(Description) : Convert.FromHexString(DescriptionHex!);
}
