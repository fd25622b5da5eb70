using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Memory given as segments of an uncompressed file (ELF, LiME, raw). Overlapping segments are allowed, as in an x86_64
/// /proc/vmcore whose kernel-text PT_LOAD repeats part of a RAM PT_LOAD: the segment that starts first keeps the bytes.
/// </summary>
internal sealed class SegmentedMemory : PhysicalMemory
{
    private readonly Segment[] _pieces;
    private readonly Segment[] _segments;
    private readonly PhysicalRange[] _stored;

    private SegmentedMemory(DumpSource source, DumpFormat format, Segment[] pieces, Segment[] segments, PhysicalRange[] ranges)
        : base(source, format, ranges)
    {
        _pieces = pieces;
        _segments = segments;
        var stored = new List<PhysicalRange>();
        foreach (Segment piece in pieces)
        {
            if (piece.FileBytes == 0)
            {
                continue;
            }

            if (stored.Count > 0 && stored[^1].End == piece.Start)
            {
                stored[^1] = stored[^1] with { Length = stored[^1].Length + piece.FileBytes };
            }
            else
            {
                stored.Add(new PhysicalRange(piece.Start, piece.FileBytes));
            }
        }

        _stored = [.. stored];
    }

    public override IReadOnlyList<PhysicalRange> StoredRanges => _stored;

    public override bool HasFileOffsets => true;

    public int SegmentCount => _pieces.Length;

    /// <summary>Resolves <paramref name="segments"/> into disjoint pieces and merged ranges.</summary>
    public static SegmentedMemory Create(
        DumpSource source,
        DumpFormat format,
        List<Segment> segments,
        KeyBlobByteOrder byteOrder,
        bool byteOrderKnown,
        VmcoreInfo vmcoreInfo,
        bool addressesKnown)
    {
        segments.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));
        var pieces = new List<Segment>(segments.Count);
        var ranges = new List<PhysicalRange>(segments.Count);
        ulong covered = 0;
        bool any = false;
        foreach (Segment segment in segments)
        {
            Segment piece = segment;
            if (any && piece.Start < covered)
            {
                if (piece.End <= covered)
                {
                    continue;
                }

                // Trim the front that an earlier segment already holds.
                ulong cut = covered - piece.Start;
                ulong fileCut = Math.Min(cut, piece.FileBytes);
                piece = new Segment(covered, piece.End, piece.FileOffset + (long)fileCut, piece.FileBytes - fileCut);
            }

            pieces.Add(piece);
            if (ranges.Count > 0 && ranges[^1].End == piece.Start)
            {
                ranges[^1] = ranges[^1] with { Length = ranges[^1].Length + (piece.End - piece.Start) };
            }
            else
            {
                ranges.Add(new PhysicalRange(piece.Start, piece.End - piece.Start));
            }

            covered = piece.End;
            any = true;
        }

        int pageSize = vmcoreInfo.PageSize ?? 4096;
        return new SegmentedMemory(source, format, [.. pieces], [.. segments], [.. ranges])
        {
            ByteOrder = byteOrder,
            ByteOrderKnown = byteOrderKnown,
            VmcoreInfo = vmcoreInfo,
            PageSize = pageSize,
            PageSizeKnown = vmcoreInfo.PageSize is not null,
            AddressesKnown = addressesKnown,
        };
    }

    /// <summary>
    /// Every file run that holds a byte of <c>[address, address + length)</c>, through every segment that maps it: where
    /// segments overlap (a /proc/vmcore's kernel-text PT_LOAD over RAM), the reader uses the first, but each one's file
    /// bytes are a copy.
    /// </summary>
    internal IEnumerable<(long FileOffset, long Length)> MapEveryCopy(ulong address, ulong length)
    {
        ulong end = length <= ulong.MaxValue - address ? address + length : ulong.MaxValue;
        foreach (Segment segment in _segments)
        {
            ulong from = Math.Max(address, segment.Start);
            ulong to = Math.Min(end, segment.FileEnd);
            if (from < to)
            {
                yield return (segment.FileOffset + (long)(from - segment.Start), (long)(to - from));
            }
        }
    }

    internal override Scrubbing.LeftoverCheck.Scope OutsideView(int margin) => new(FileRunsOutsideView(margin), null);

    internal override bool TryWriteScrubbed(IReadOnlyList<(ulong Address, ulong Length)> inMemory, List<(long Offset, long Length)> erase, Stream output, out DumpProblem problem) =>
        Scrubbing.DumpScrubber.TryWriteScrubbed(this, inMemory, erase, output, out problem);

    /// <summary>
    /// The file runs whose bytes the reader's view of memory does not show (headers, notes, bytes between or shadowed by
    /// segments), each widened by <paramref name="margin"/> bytes on both sides so that a copy that crosses into one lies
    /// whole in it; sorted and disjoint.
    /// </summary>
    private List<(long Start, long Length)> FileRunsOutsideView(int margin)
    {
        long length = Source.Length;
        var shown = new List<(long Start, long End)>(_pieces.Length);
        foreach (Segment piece in _pieces)
        {
            if (piece.FileBytes != 0)
            {
                shown.Add((piece.FileOffset, piece.FileOffset + (long)piece.FileBytes));
            }
        }

        shown.Sort();
        var runs = new List<(long Start, long Length)>();
        long at = 0;
        foreach (var (start, end) in shown)
        {
            Add(at, start);
            at = Math.Max(at, end);
        }

        Add(at, length);
        return runs;

        void Add(long from, long to)
        {
            if (from >= to)
            {
                return;
            }

            from = Math.Max(0, from - margin);
            to = to > length - margin ? length : to + margin;
            if (runs.Count > 0 && runs[^1].Start + runs[^1].Length >= from)
            {
                runs[^1] = (runs[^1].Start, Math.Max(runs[^1].Start + runs[^1].Length, to) - runs[^1].Start);
            }
            else
            {
                runs.Add((from, to - from));
            }
        }
    }

    public override bool TryGetFileOffset(ulong address, out long fileOffset)
    {
        int index = FindPiece(address);
        if (index < _pieces.Length && _pieces[index].Start <= address && address < _pieces[index].FileEnd)
        {
            fileOffset = _pieces[index].FileOffset + (long)(address - _pieces[index].Start);
            return true;
        }

        fileOffset = -1;
        return false;
    }

    internal override bool TryGetSpan(ulong address, int length, FileView view, out ReadOnlySpan<byte> span)
    {
        span = default;
        int index = FindPiece(address);
        if (length < 0 || index >= _pieces.Length || _pieces[index].Start > address || _pieces[index].FileEnd - address < (ulong)length
            || _pieces[index].FileEnd < address)
        {
            return false;
        }

        return Source.TryView(_pieces[index].FileOffset + (long)(address - _pieces[index].Start), length, view, out span);
    }

    private protected override bool ReadCore(ulong address, Span<byte> destination, out DumpProblem problem)
    {
        int index = FindPiece(address);
        while (!destination.IsEmpty)
        {
            // Ranges are checked by the caller and pieces tile them, so a piece always holds address here.
            Segment piece = _pieces[index];
            int count = (int)Math.Min((ulong)destination.Length, piece.End - address);
            Span<byte> part = destination[..count];
            if (address < piece.FileEnd)
            {
                int inFile = (int)Math.Min((ulong)count, piece.FileEnd - address);
                long offset = piece.FileOffset + (long)(address - piece.Start);
                if (!Source.TryRead(offset, part[..inFile]))
                {
                    // The segment was checked against the file at open: the file shrank, or was closed, since.
                    problem = DumpProblem.At(DumpError.IoError, offset);
                    return false;
                }

                part[inFile..].Clear();
            }
            else
            {
                part.Clear();
            }

            destination = destination[count..];
            address += (ulong)count;
            index++;
        }

        problem = default;
        return true;
    }

    // The first piece whose end is past address.
    private int FindPiece(ulong address)
    {
        int low = 0;
        int high = _pieces.Length;
        while (low < high)
        {
            int mid = (int)((uint)(low + high) >> 1);
            if (_pieces[mid].End <= address)
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
}
