using System.Buffers.Binary;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// The kdump-compressed file that a flattened stream (makedumpfile -F, QEMU dump-guest-memory -z) describes, read in place:
/// each record <c>{i64 offset; i64 buf_size}</c> (big-endian) says where its bytes belong in the reassembled file,
/// as makedumpfile's rearrange_dumpdata() would write them. A later record wins where two overlap; bytes no record
/// covers read as zero, as in the hole of a reassembled file.
/// </summary>
internal sealed class FlattenedSource : DumpSource
{
    public const int HeaderSize = 4096;          // MAX_SIZE_MDF_HEADER
    public const int SignatureLength = 16;       // SIG_LEN_MDF
    public const int TypeOffset = SignatureLength;
    public const int VersionOffset = TypeOffset + sizeof(long);
    public const int RecordHeaderSize = 2 * sizeof(long);
    public const long EndOfRecords = -1;         // END_FLAG_FLAT_HEADER

    private readonly DumpSource _inner;
    private readonly Piece[] _pieces;
    private readonly long _length;

    private FlattenedSource(DumpSource inner, Piece[] pieces, long length, (long FileOffset, long Length)[] overwritten)
    {
        _inner = inner;
        _pieces = pieces;
        _length = length;
        Overwritten = overwritten;
        foreach (Piece piece in pieces)
        {
            StoredLength += piece.End - piece.Start;
        }
    }

    public override long Length => _length;

    public override long StoredLength { get; }

    public static ReadOnlySpan<byte> Signature => "makedumpfile"u8;

    /// <summary>Whether <paramref name="head"/> starts like a flattened stream: the signature padded with NULs to 16 bytes.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> head) =>
        head.Length >= SignatureLength && head.StartsWith(Signature)
        && !head[Signature.Length..SignatureLength].ContainsAnyExcept((byte)0);

    public static bool TryOpen(DumpSource inner, int maxRecords, out FlattenedSource? source, out DumpProblem problem)
    {
        source = null;
        Span<byte> header = stackalloc byte[VersionOffset + sizeof(long)];
        if (!inner.TryRead(0, header) || inner.Length < HeaderSize)
        {
            problem = DumpProblem.At(DumpError.Truncated, Math.Min(inner.Length, HeaderSize));
            return false;
        }

        if (!HasSignature(header)
            || BinaryPrimitives.ReadInt64BigEndian(header[TypeOffset..]) != 1
            || BinaryPrimitives.ReadInt64BigEndian(header[VersionOffset..]) != 1)
        {
            problem = DumpProblem.At(DumpError.FlattenedBadHeader, 0);
            return false;
        }

        var records = new List<Record>();
        Span<byte> recordHeader = stackalloc byte[RecordHeaderSize];
        long position = HeaderSize;
        while (true)
        {
            if (!inner.TryRead(position, recordHeader))
            {
                problem = DumpProblem.At(DumpError.Truncated, inner.Length);
                return false;
            }

            long target = BinaryPrimitives.ReadInt64BigEndian(recordHeader);
            long size = BinaryPrimitives.ReadInt64BigEndian(recordHeader[sizeof(long)..]);
            // makedumpfile's rearrange_dumpdata() ends at a header whose offset and size are both END_FLAG_FLAT_HEADER.
            if (target == EndOfRecords && size == EndOfRecords)
            {
                break;
            }

            long data = position + RecordHeaderSize;
            if (target < 0 || size < 0 || size > long.MaxValue - target || !inner.Contains(data, size))
            {
                problem = DumpProblem.At(DumpError.FlattenedBadRecord, position);
                return false;
            }

            if (records.Count >= maxRecords)
            {
                problem = DumpProblem.At(DumpError.FlattenedTooManyRecords, position);
                return false;
            }

            if (size != 0)
            {
                records.Add(new Record(target, target + size, data, records.Count));
            }

            position = data + size;
        }

        Piece[] pieces = BuildPieces(records, out long length);
        source = new FlattenedSource(inner, pieces, length, FindOverwritten(records, pieces)) { EndRecordOffset = position };
        problem = default;
        return true;
    }

    // Sweep over every record boundary; between two boundaries the newest covering record holds the bytes.
    private static Piece[] BuildPieces(List<Record> records, out long length)
    {
        length = 0;
        if (records.Count == 0)
        {
            return [];
        }

        var byStart = records.ToArray();
        Array.Sort(byStart, static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Sequence.CompareTo(b.Sequence));
        var points = new long[byStart.Length * 2];
        for (int i = 0; i < byStart.Length; i++)
        {
            points[2 * i] = byStart[i].Start;
            points[(2 * i) + 1] = byStart[i].End;
            length = Math.Max(length, byStart[i].End);
        }

        Array.Sort(points);
        var pieces = new List<Piece>();
        var active = new PriorityQueue<int, int>();
        int next = 0;
        for (int k = 0; k + 1 < points.Length; k++)
        {
            long from = points[k];
            long to = points[k + 1];
            while (next < byStart.Length && byStart[next].Start <= from)
            {
                active.Enqueue(next, -byStart[next].Sequence);
                next++;
            }

            while (active.TryPeek(out int top, out _) && byStart[top].End <= from)
            {
                active.Dequeue();
            }

            if (from == to || !active.TryPeek(out int owner, out _))
            {
                continue;
            }

            long file = byStart[owner].DataOffset + (from - byStart[owner].Start);
            if (pieces.Count > 0 && pieces[^1].End == from && pieces[^1].FileOffset + (pieces[^1].End - pieces[^1].Start) == file)
            {
                pieces[^1] = pieces[^1] with { End = to };
            }
            else
            {
                pieces.Add(new Piece(from, to, file));
            }
        }

        return [.. pieces];
    }

    // The record bytes in the flattened file that no piece reads (a later record for the same offsets replaced them): they are
    // not part of the dump, yet they are in the file, and a stale copy of a page can hold key material.
    private static (long FileOffset, long Length)[] FindOverwritten(List<Record> records, Piece[] pieces)
    {
        var used = pieces.Select(static p => (From: p.FileOffset, To: p.FileOffset + (p.End - p.Start))).OrderBy(static u => u.From).ToArray();
        var overwritten = new List<(long, long)>();
        int k = 0;
        foreach (Record record in records)
        {
            // Records lie one after another in the file, and a piece inside one record, so both lists are in file order.
            long at = record.DataOffset;
            long end = record.DataOffset + (record.End - record.Start);
            for (; k < used.Length && used[k].From < end; k++)
            {
                if (used[k].From > at)
                {
                    overwritten.Add((at, used[k].From - at));
                }

                at = used[k].To;
            }

            if (at < end)
            {
                overwritten.Add((at, end - at));
            }
        }

        return [.. overwritten];
    }

    /// <summary>Ranges of the flattened file (offset, length), in file order, holding record bytes that a later record replaced.</summary>
    internal IReadOnlyList<(long FileOffset, long Length)> Overwritten { get; }

    public override bool TryRead(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            return false;
        }

        int index = FindPiece(offset);
        while (!destination.IsEmpty)
        {
            // Skip to the piece that holds offset, zero-filling a hole before it.
            while (index < _pieces.Length && _pieces[index].End <= offset)
            {
                index++;
            }

            if (index >= _pieces.Length)
            {
                destination.Clear();
                return true;
            }

            Piece piece = _pieces[index];
            if (offset < piece.Start)
            {
                int hole = (int)Math.Min(destination.Length, piece.Start - offset);
                destination[..hole].Clear();
                destination = destination[hole..];
                offset += hole;
                continue;
            }

            int count = (int)Math.Min(destination.Length, piece.End - offset);
            if (!_inner.TryRead(piece.FileOffset + (offset - piece.Start), destination[..count]))
            {
                return false;
            }

            destination = destination[count..];
            offset += count;
        }

        return true;
    }

    public override bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
    {
        span = default;
        if (length < 0 || !Contains(offset, length))
        {
            return false;
        }

        int index = FindPiece(offset);
        if (index >= _pieces.Length || _pieces[index].Start > offset || _pieces[index].End - offset < length)
        {
            return false;
        }

        return _inner.TryGetSpan(_pieces[index].FileOffset + (offset - _pieces[index].Start), length, out span);
    }

    /// <summary>The file offsets that hold <c>[offset, offset + length)</c> of the reassembled file (holes are left out).</summary>
    internal IEnumerable<(long FileOffset, long Length)> MapToFile(long offset, long length)
    {
        long end = offset + length;
        for (int index = FindPiece(offset); index < _pieces.Length && _pieces[index].Start < end; index++)
        {
            long from = Math.Max(offset, _pieces[index].Start);
            long to = Math.Min(end, _pieces[index].End);
            yield return (_pieces[index].FileOffset + (from - _pieces[index].Start), to - from);
        }
    }

    /// <summary>File offset of the end-of-records header (makedumpfile's END_FLAG_FLAT_HEADER), where appended records go.</summary>
    internal long EndRecordOffset { get; private init; }

    /// <summary>The flattened file itself.</summary>
    internal DumpSource Inner => _inner;

    // The first piece whose end is past offset.
    private int FindPiece(long offset)
    {
        int low = 0;
        int high = _pieces.Length;
        while (low < high)
        {
            int mid = (int)((uint)(low + high) >> 1);
            if (_pieces[mid].End <= offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private readonly record struct Record(long Start, long End, long DataOffset, int Sequence);

    private readonly record struct Piece(long Start, long End, long FileOffset);
}
