using System.Diagnostics.CodeAnalysis;
using CrashDmCrypt.Dumps.Formats;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps;

/// <summary>Opens a dump of any supported format, chosen from its content (never its name).</summary>
public static class DumpReader
{
    /// <summary>Bytes <see cref="DetectFormat"/> looks at.</summary>
    public const int SignatureLength = 16;

    /// <summary>The format whose signature <paramref name="head"/> (the file's first bytes) starts with; <see cref="DumpFormat.Raw"/> when none.</summary>
    public static DumpFormat DetectFormat(ReadOnlySpan<byte> head) =>
        ElfReader.HasSignature(head) ? DumpFormat.Elf
        : KdumpMemory.HasSignature(head) ? DumpFormat.KdumpCompressed
        : FlattenedSource.HasSignature(head) ? DumpFormat.KdumpFlattened
        : LimeReader.HasSignature(head) ? DumpFormat.Lime
        : DumpFormat.Raw;

    /// <summary>
    /// Opens the regular file at <paramref name="path"/>, read with pread, or for a scan's windows mapped when
    /// <see cref="DumpOpenOptions.MapFile"/> says so (a FIFO or device is refused with <see cref="DumpError.IoError"/>, without waiting).
    /// </summary>
    /// <returns>False with a problem when the file cannot be opened or its structure is refused.</returns>
    public static bool TryOpen(string path, DumpOpenOptions options, [NotNullWhen(true)] out PhysicalMemory? memory, out DumpProblem problem)
    {
        ArgumentNullException.ThrowIfNull(path);
        DumpSource source;
        try
        {
            source = FileSource.Open(path, options.MapFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            memory = null;
            problem = DumpProblem.At(DumpError.IoError, -1);
            return false;
        }

        return TryOpen(source, options, out memory, out problem);
    }

    /// <summary>Opens a dump held in memory. <paramref name="bytes"/> must stay unchanged while the result is in use.</summary>
    public static bool TryOpen(ReadOnlyMemory<byte> bytes, DumpOpenOptions options, [NotNullWhen(true)] out PhysicalMemory? memory, out DumpProblem problem) =>
        TryOpen(new MemorySource(bytes), options, out memory, out problem);

    internal static bool TryOpen(DumpSource source, DumpOpenOptions options, [NotNullWhen(true)] out PhysicalMemory? memory, out DumpProblem problem)
    {
        bool ok = false;
        memory = null;
        try
        {
            Span<byte> head = stackalloc byte[SignatureLength];
            head = head[..(int)Math.Min(SignatureLength, source.Length)];
            source.TryRead(0, head);
            switch (DetectFormat(head))
            {
                case DumpFormat.Elf:
                    ok = ElfReader.TryOpen(source, options, out memory, out problem);
                    break;
                case DumpFormat.KdumpCompressed:
                    ok = KdumpMemory.TryOpen(source, DumpFormat.KdumpCompressed, options, out memory, out problem);
                    break;
                case DumpFormat.KdumpFlattened:
                    ok = FlattenedSource.TryOpen(source, options.FlattenedRecordLimit, out FlattenedSource? flat, out problem);
                    if (ok)
                    {
                        // The flattened source owns the file from here.
                        source = flat!;
                        ok = KdumpMemory.TryOpen(flat!, DumpFormat.KdumpFlattened, options, out memory, out problem);
                    }

                    break;
                case DumpFormat.Lime:
                    ok = LimeReader.TryOpen(source, options, out memory, out problem);
                    break;
                default:
                    ok = RawReader.TryOpen(source, options, out memory, out problem);
                    break;
            }

            return ok;
        }
        finally
        {
            if (!ok)
            {
                source.Dispose();
            }
        }
    }
}
