using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Compression;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps;

/// <summary>
/// The physical memory a dump holds, whatever its format: sorted, disjoint ranges, and reads by physical address into a
/// caller's buffer. A page the dump excluded (a kdump page whose bit is clear, an ELF segment's bytes past
/// <c>p_filesz</c>) reads as zero. Hostile bytes give a <see cref="DumpProblem"/>, never an exception.
/// </summary>
public abstract class PhysicalMemory : IDisposable
{
    private readonly PhysicalRange[] _ranges;
    private bool _disposed;

    private protected PhysicalMemory(DumpSource source, DumpFormat format, PhysicalRange[] ranges)
    {
        Source = source;
        Format = format;
        _ranges = ranges;
        ulong total = 0;
        foreach (PhysicalRange range in ranges)
        {
            total += range.Length;
        }

        TotalBytes = total;
    }

    /// <summary>The container format.</summary>
    public DumpFormat Format { get; }

    /// <summary>The dumped machine's byte order, where the format says it; little-endian otherwise.</summary>
    public KeyBlobByteOrder ByteOrder { get; private protected init; }

    /// <summary>Whether <see cref="ByteOrder"/> comes from the dump rather than being assumed.</summary>
    public bool ByteOrderKnown { get; private protected init; }

    /// <summary>Page size: the kdump block size or VMCOREINFO's PAGESIZE; 4096 when the dump does not say.</summary>
    public int PageSize { get; private protected init; } = 4096;

    /// <summary>Whether <see cref="PageSize"/> comes from the dump rather than being assumed.</summary>
    public bool PageSizeKnown { get; private protected init; }

    /// <summary>False for a raw image opened without a base address: its "addresses" are then file offsets.</summary>
    public bool AddressesKnown { get; private protected init; } = true;

    /// <summary>The compressions a kdump-compressed dump uses (as far as surveyed); <see cref="DumpCompression.None"/> otherwise.</summary>
    public DumpCompression Compression { get; private protected set; }

    /// <summary>The VMCOREINFO note, or <see cref="VmcoreInfo.Empty"/>.</summary>
    public VmcoreInfo VmcoreInfo { get; private protected init; } = VmcoreInfo.Empty;

    /// <summary>Length of the file (for a flattened dump: of the file it stands for once reassembled).</summary>
    public long FileLength => Source.Length;

    /// <summary>The memory the dump holds: sorted by address, disjoint, adjacent ranges merged.</summary>
    public IReadOnlyList<PhysicalRange> Ranges => _ranges;

    /// <summary>Sum of the ranges' lengths.</summary>
    public ulong TotalBytes { get; }

    /// <summary>
    /// The parts of <see cref="Ranges"/> whose bytes the file stores (sorted, disjoint, merged); the rest reads as zero
    /// (ELF bytes past p_filesz, excluded kdump pages). A scan covers these, so its work is bounded by the file, not by
    /// the memory size a header claims.
    /// </summary>
    public virtual IReadOnlyList<PhysicalRange> StoredRanges => _ranges;

    /// <summary>Sum of the stored ranges' lengths.</summary>
    public ulong StoredBytes
    {
        get
        {
            ulong total = 0;
            foreach (PhysicalRange range in StoredRanges)
            {
                total += range.Length;
            }

            return total;
        }
    }

    /// <summary>The parts of <see cref="StoredRanges"/> a scan reads: all of them, but for stored pages that repeat another page's data.</summary>
    internal virtual IReadOnlyList<PhysicalRange> ScanRanges => StoredRanges;

    /// <summary>Stored pages left out of <see cref="ScanRanges"/>: their page data is another page's, scanned there.</summary>
    internal virtual long RepeatedPages { get => 0; private protected set { } }

    /// <summary>Whether this format keeps memory as plain bytes in the file, so that a finding has a file offset.</summary>
    public virtual bool HasFileOffsets => false;

    internal DumpSource Source { get; }

    /// <summary>
    /// Reads <c>destination.Length</c> bytes of physical memory from <paramref name="address"/>. The whole range must lie in one
    /// of <see cref="Ranges"/> (<see cref="DumpError.AddressNotInDump"/> otherwise); excluded pages read as zero.
    /// </summary>
    /// <returns>False with a problem when the range is not in the dump or the dump is damaged there; <paramref name="destination"/> is then undefined.</returns>
    public bool TryRead(ulong address, Span<byte> destination, out DumpProblem problem)
    {
        // Disposed by another thread during a scan: a failed read, not an exception out of the scan's workers.
        if (Volatile.Read(ref _disposed))
        {
            problem = DumpProblem.At(DumpError.IoError, -1);
            return false;
        }

        if (!Covers(address, (ulong)destination.Length))
        {
            problem = DumpProblem.At(DumpError.AddressNotInDump, -1);
            return false;
        }

        if (destination.IsEmpty)
        {
            problem = default;
            return true;
        }

        return ReadCore(address, destination, out problem);
    }

    /// <summary>The file offset that holds the byte at <paramref name="address"/>, for formats that store memory uncompressed.</summary>
    /// <returns>False when the format compresses memory, or the byte is not stored in the file (outside the dump, or an excluded page).</returns>
    public virtual bool TryGetFileOffset(ulong address, out long fileOffset)
    {
        fileOffset = -1;
        return false;
    }

    /// <summary>Whether <c>[address, address + length)</c> lies in one range.</summary>
    public bool Covers(ulong address, ulong length)
    {
        int index = FindRange(address);
        return index >= 0 && length <= _ranges[index].End - address;
    }

    /// <summary>The end of the range that holds <paramref name="address"/>, or <paramref name="address"/> when none does.</summary>
    internal ulong RangeEndOf(ulong address)
    {
        int index = FindRange(address);
        return index >= 0 ? _ranges[index].End : address;
    }

    /// <summary>
    /// A view of physical memory without a copy, where the format can give one (uncompressed, in memory, or mapped into
    /// <paramref name="view"/>, valid until it maps the next); false otherwise.
    /// </summary>
    internal virtual bool TryGetSpan(ulong address, int length, Sources.FileView view, out ReadOnlySpan<byte> span)
    {
        span = default;
        return false;
    }

    /// <summary>The file's bytes as stored (for a flattened dump: the flattened file, records and all, not the file it stands for).</summary>
    internal virtual DumpSource StoredFile => Source;

    /// <summary>The flattened file's record bytes that a later record replaced (file offset, length); none for other formats.</summary>
    internal virtual IReadOnlyList<(long Start, long Length)> OverwrittenRecords => [];

    /// <summary>Whether the file's own bytes hold compressed pages, so that a copy found in them is a page's and is reported as the page's.</summary>
    internal virtual bool FileBytesArePages => false;

    /// <summary>
    /// What of the file a search for copies outside this view of memory must read (see <see cref="Scanning.DumpScanner.SearchOutsideMemory"/>),
    /// with <paramref name="margin"/> bytes around each file run so that a copy crossing its edge is whole in it. Every
    /// byte and page unless the format knows better.
    /// </summary>
    internal virtual Scrubbing.LeftoverCheck.Scope OutsideView(int margin) => Scrubbing.LeftoverCheck.Scope.Everything;

    /// <summary>
    /// Writes the format's scrubbed copy to <paramref name="output"/> (see <see cref="Scrubbing.DumpScrubber"/>): the file
    /// with the physical ranges <paramref name="inMemory"/> zero wherever they are stored, and the file ranges
    /// <paramref name="erase"/> zero. False with a problem when a page to scrub cannot be read.
    /// </summary>
    internal abstract bool TryWriteScrubbed(IReadOnlyList<(ulong Address, ulong Length)> inMemory, List<(long Offset, long Length)> erase, Stream output, out DumpProblem problem);

    private protected abstract bool ReadCore(ulong address, Span<byte> destination, out DumpProblem problem);

    // Index of the range that holds address, or -1.
    private int FindRange(ulong address)
    {
        int low = 0;
        int high = _ranges.Length;
        while (low < high)
        {
            int mid = (int)((uint)(low + high) >> 1);
            if (_ranges[mid].End <= address)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low < _ranges.Length && _ranges[low].Start <= address ? low : -1;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the file, and whatever else the reader holds (a kdump reader's decompressors, their state zeroed).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Source.Dispose();
        }
    }
}
