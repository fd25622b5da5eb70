using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Formats;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Scrubbing;

/// <summary>
/// Writes a copy of a dump in its own format in which every finding's bytes (count, key sizes, descriptions, which name
/// the volumes, and key data) are zero. ELF, LiME and raw copies are byte-identical except those bytes. A kdump-compressed
/// copy keeps every byte except the affected pages: each is recompressed with its own method (stored raw where that does
/// not shrink it, as makedumpfile does), appended, and its page_desc rewritten; the old page data is zeroed. A flattened
/// copy keeps the input's records, zeroes the old page data inside them, and appends records for the new page data and
/// page_desc before the end marker (later records win, as in makedumpfile -R).
/// </summary>
public static class DumpScrubber
{
    private const int CopyChunk = 1 << 20;

    /// <summary>Writes the scrubbed copy of <paramref name="memory"/> to <paramref name="output"/> (readable, writable, seekable, empty).</summary>
    /// <returns>False with a problem when a page to scrub cannot be read; <paramref name="output"/> is then incomplete.</returns>
    public static bool TryScrub(PhysicalMemory memory, IReadOnlyList<DumpFinding> findings, Stream output, out DumpProblem problem)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanSeek || !output.CanWrite || !output.CanRead)
        {
            throw new ArgumentException("The output must be readable, writable and seekable.", nameof(output));
        }

        switch (memory)
        {
            case SegmentedMemory segmented:
                Copy(segmented.Source, output);
                ScrubSegments(segmented, findings, output);
                problem = default;
                return true;
            case KdumpMemory kdump when kdump.Source is FlattenedSource flat:
                Copy(flat.Inner, output, flat.EndRecordOffset);
                var target = new FlattenedTarget(flat, output);

                // Record bytes a later record replaced are no part of the dump, but a stale page among them can hold keys
                // (compressed, where no scan sees them): all of them are zeroed, which leaves the reassembled dump as it was.
                foreach (var (offset, length) in flat.Overwritten)
                {
                    target.EraseInFile(offset, length);
                }

                return TryScrubPages(kdump, findings, target, out problem);
            case KdumpMemory kdump:
                Copy(kdump.Source, output);
                return TryScrubPages(kdump, findings, new PlainTarget(output), out problem);
            default:
                throw new ArgumentException("Unknown memory type.", nameof(memory));
        }
    }

    private static void Copy(DumpSource source, Stream output, long length = -1)
    {
        length = length < 0 ? source.Length : length;
        byte[] buffer = new byte[CopyChunk];
        try
        {
            for (long at = 0; at < length; at += CopyChunk)
            {
                int n = (int)Math.Min(CopyChunk, length - at);
                source.TryRead(at, buffer.AsSpan(0, n));
                output.Write(buffer, 0, n);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static void ScrubSegments(SegmentedMemory memory, IReadOnlyList<DumpFinding> findings, Stream output)
    {
        byte[] zeros = new byte[KeyBlobMaxSpan];
        foreach (DumpFinding finding in findings)
        {
            ulong address = finding.Position;
            ulong left = (ulong)finding.Length;
            while (left > 0)
            {
                ulong run = memory.MapToFile(address, left, out long fileOffset);
                if (run == 0)
                {
                    break;
                }

                if (fileOffset >= 0)
                {
                    output.Position = fileOffset;
                    output.Write(zeros, 0, (int)run);
                }

                address += run;
                left -= run;
            }
        }
    }

    private const int KeyBlobMaxSpan = Codec.KeyBlobLayout.MaxBlobSize;

    private static bool TryScrubPages(KdumpMemory memory, IReadOnlyList<DumpFinding> findings, IPatchTarget target, out DumpProblem problem)
    {
        // Byte ranges to zero, by page.
        int pageSize = memory.PageSize;
        var pages = new SortedDictionary<ulong, List<(int From, int Length)>>();
        // Findings in overwritten flattened records are not in memory; the caller zeroes those records whole.
        foreach (DumpFinding finding in findings.Where(static f => !f.InOverwrittenRecord))
        {
            ulong address = finding.Position;
            ulong end = address + (ulong)finding.Length;
            while (address < end)
            {
                ulong pfn = address / (ulong)pageSize;
                int from = (int)(address % (ulong)pageSize);
                int length = (int)Math.Min(end - address, (ulong)(pageSize - from));
                if (!pages.TryGetValue(pfn, out var ranges))
                {
                    pages[pfn] = ranges = [];
                }

                ranges.Add((from, length));
                address += (ulong)length;
            }
        }

        byte[] page = GC.AllocateUninitializedArray<byte>(pageSize, pinned: true);
        byte[] packed = GC.AllocateUninitializedArray<byte>(Math.Max(Lzo.GetMaxCompressedLength(pageSize), Snappier.Snappy.GetMaxCompressedLength(pageSize)) + 1024, pinned: true);
        Span<byte> descriptor = stackalloc byte[16];
        bool big = memory.ByteOrder == DumpByteOrder.BigEndian;
        try
        {
            foreach (var (pfn, ranges) in pages)
            {
                // An excluded page reads as zero already.
                if (!memory.TryGetDescriptor(pfn, out long descriptorOffset, out ulong oldOffset, out uint oldSize, out uint flags))
                {
                    continue;
                }

                if (!memory.TryRead(pfn * (ulong)pageSize, page, out problem))
                {
                    return false;
                }

                foreach (var (from, length) in ranges)
                {
                    page.AsSpan(from, length).Clear();
                }

                int size = Compress((DumpCompression)flags, page, packed);
                ReadOnlySpan<byte> stored = size < 0 ? page : packed.AsSpan(0, size);
                uint storedFlags = size < 0 ? 0 : flags;
                long newOffset = target.Append(stored);
                WriteDescriptor(descriptor, big, (ulong)newOffset, (uint)stored.Length, storedFlags);
                target.Write(descriptorOffset, descriptor);
                target.Erase((long)oldOffset, oldSize);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(page);
            CryptographicOperations.ZeroMemory(packed);
        }

        target.Finish();
        problem = default;
        return true;
    }

    private static void WriteDescriptor(Span<byte> d, bool big, ulong offset, uint size, uint flags)
    {
        if (big)
        {
            BinaryPrimitives.WriteUInt64BigEndian(d, offset);
            BinaryPrimitives.WriteUInt32BigEndian(d[8..], size);
            BinaryPrimitives.WriteUInt32BigEndian(d[12..], flags);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(d, offset);
            BinaryPrimitives.WriteUInt32LittleEndian(d[8..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(d[12..], flags);
        }
    }

    // The page in its own method; -1 to store it raw (no method, or the result does not shrink the page).
    private static int Compress(DumpCompression method, byte[] page, byte[] packed)
    {
        int size = method switch
        {
            DumpCompression.Zlib => Zlib(page, packed),
            DumpCompression.Zstd => ZstdCompress(page, packed),
            DumpCompression.Snappy => Snappier.Snappy.Compress(page, packed),
            DumpCompression.Lzo => Lzo.Compress(page, packed),
            _ => -1,
        };
        return size >= 0 && size < page.Length ? size : -1;
    }

    private static int Zlib(byte[] page, byte[] packed)
    {
        using var stream = new MemoryStream();
        using (var zlib = new ZLibStream(stream, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(page);
        }

        if (stream.Length > packed.Length)
        {
            return -1;
        }

        stream.Position = 0;
        int n = stream.Read(packed);
        CryptographicOperations.ZeroMemory(stream.GetBuffer());
        return n;
    }

    private static int ZstdCompress(byte[] page, byte[] packed)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(page, packed);
    }

    private interface IPatchTarget
    {
        long Append(ReadOnlySpan<byte> bytes);

        void Write(long offset, ReadOnlySpan<byte> bytes);

        void Erase(long offset, long length);

        void Finish();
    }

    // A kdump-compressed file: writes land in place; new page data goes after the end of the file.
    private sealed class PlainTarget(Stream output) : IPatchTarget
    {
        public long Append(ReadOnlySpan<byte> bytes)
        {
            long at = output.Length;
            output.Position = at;
            output.Write(bytes);
            return at;
        }

        public void Write(long offset, ReadOnlySpan<byte> bytes)
        {
            output.Position = offset;
            output.Write(bytes);
        }

        public void Erase(long offset, long length)
        {
            output.Position = offset;
            for (long i = 0; i < length; i++)
            {
                output.WriteByte(0);
            }
        }

        public void Finish()
        {
        }
    }

    // A flattened file: the input's records are copied up to the end marker; writes become new records after them; an
    // erase zeroes the bytes inside the records that hold them; Finish writes the end marker.
    private sealed class FlattenedTarget(FlattenedSource source, Stream output) : IPatchTarget
    {
        private long _end = source.Length;

        public long Append(ReadOnlySpan<byte> bytes)
        {
            long at = _end;
            Write(at, bytes);
            return at;
        }

        public void Write(long offset, ReadOnlySpan<byte> bytes)
        {
            Span<byte> header = stackalloc byte[FlattenedSource.RecordHeaderSize];
            BinaryPrimitives.WriteInt64BigEndian(header, offset);
            BinaryPrimitives.WriteInt64BigEndian(header[sizeof(long)..], bytes.Length);
            output.Position = output.Length;
            output.Write(header);
            output.Write(bytes);
            _end = Math.Max(_end, offset + bytes.Length);
        }

        public void Erase(long offset, long length)
        {
            foreach (var (fileOffset, run) in source.MapToFile(offset, length))
            {
                EraseInFile(fileOffset, run);
            }
        }

        public void EraseInFile(long fileOffset, long length)
        {
            output.Position = fileOffset;
            for (long i = 0; i < length; i++)
            {
                output.WriteByte(0);
            }
        }

        public void Finish()
        {
            Span<byte> end = stackalloc byte[FlattenedSource.RecordHeaderSize];
            BinaryPrimitives.WriteInt64BigEndian(end, FlattenedSource.EndOfRecords);
            BinaryPrimitives.WriteInt64BigEndian(end[sizeof(long)..], FlattenedSource.EndOfRecords);
            output.Position = output.Length;
            output.Write(end);
        }
    }
}
