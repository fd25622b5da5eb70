using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Reading pages: each stored page's data, decompressed by the method its descriptor names. The decompressors belong to
/// this reader: a read takes one idle set (or makes one) and gives it back, so parallel readers never share one, and
/// disposing the reader zeroes and frees every set it made.
/// </summary>
internal sealed partial class KdumpMemory
{
    // A partial page, and a copy of compressed bytes that are not one span of the file (a flattened record boundary).
    [ThreadStatic]
    private static byte[]? t_scratch;

    [ThreadStatic]
    private static byte[]? t_packed;

    // The sets no read holds; at most one per thread that ever read at once.
    private readonly Stack<PageDecompressors> _idleDecompressors = new();
    private bool _decompressorsReleased;

    private protected override bool ReadCore(ulong address, Span<byte> destination, out DumpProblem problem)
    {
        int pageSize = PageSize;

        // This thread's buffers, when a read needs them: both may hold keys and are cleared at the end.
        byte[]? scratch = null;
        byte[]? packed = null;
        PageDecompressors? decompressors = null;
        try
        {
            while (!destination.IsEmpty)
            {
                ulong pfn = address >> _pageShift;
                int inPage = (int)(address & (ulong)(pageSize - 1));
                int count = Math.Min(destination.Length, pageSize - inPage);
                Span<byte> part = destination[..count];
                if (!IsSet(_present, (long)pfn))
                {
                    part.Clear();
                }
                else if (count == pageSize)
                {
                    if (!TryReadPage(pfn, part, ref packed, ref decompressors, out problem))
                    {
                        return false;
                    }
                }
                else
                {
                    scratch ??= ThreadBuffer(ref t_scratch, pageSize);
                    if (!TryReadPage(pfn, scratch.AsSpan(0, pageSize), ref packed, ref decompressors, out problem))
                    {
                        return false;
                    }

                    scratch.AsSpan(inPage, count).CopyTo(part);
                }

                destination = destination[count..];
                address += (ulong)count;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratch);
            CryptographicOperations.ZeroMemory(packed);
            GiveBack(decompressors);
        }

        problem = default;
        return true;
    }

    // Pinned, one per thread, grown to the largest page met: reading a page allocates nothing.
    private static byte[] ThreadBuffer(ref byte[]? buffer, int length) =>
        buffer is { } b && b.Length >= length ? b : buffer = GC.AllocateUninitializedArray<byte>(length, pinned: true);

    /// <summary>Reads the data of a page the dump stores (its present bit set), RAM or not, as its descriptor names it.</summary>
    internal bool TryReadStoredPage(ulong pfn, Span<byte> page, out DumpProblem problem)
    {
        byte[]? packed = null;
        PageDecompressors? decompressors = null;
        try
        {
            if (pfn >= (ulong)_present.Length * 8 || !IsSet(_present, (long)pfn))
            {
                problem = DumpProblem.At(DumpError.AddressNotInDump, -1);
                return false;
            }

            return TryReadPage(pfn, page, ref packed, ref decompressors, out problem);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(packed);
            GiveBack(decompressors);
        }
    }

    private bool TryReadPage(ulong pfn, Span<byte> page, ref byte[]? packed, ref PageDecompressors? decompressors, out DumpProblem problem)
    {
        if (!TryReadDescriptor(pfn, out long at, out KdumpPageDescriptor descriptor))
        {
            problem = DumpProblem.At(DumpError.IoError, at);
            return false;
        }

        DumpError check = descriptor.Check(page.Length, Source, out int field);
        if (check != DumpError.None)
        {
            problem = DumpProblem.At(check, at + field);
            return false;
        }

        long offset = (long)descriptor.DataOffset;
        if (descriptor.Method == DumpCompression.None)
        {
            bool read = Source.TryRead(offset, page);
            problem = read ? default : DumpProblem.At(DumpError.IoError, offset);
            return read;
        }

        decompressors ??= Take();
        DumpError error;
        if (Source.TryGetSpan(offset, (int)descriptor.Size, out ReadOnlySpan<byte> compressed))
        {
            error = decompressors.Decompress(descriptor.Method, compressed, page);
        }
        else
        {
            // size <= one page (checked above); the caller clears the copy.
            packed ??= ThreadBuffer(ref t_packed, page.Length);
            Span<byte> copy = packed.AsSpan(0, (int)descriptor.Size);
            error = Source.TryRead(offset, copy) ? decompressors.Decompress(descriptor.Method, copy, page) : DumpError.IoError;
        }

        problem = error == DumpError.None ? default : DumpProblem.At(error, offset);
        return error == DumpError.None;
    }

    private PageDecompressors Take()
    {
        lock (_idleDecompressors)
        {
            if (_idleDecompressors.TryPop(out PageDecompressors? idle))
            {
                return idle;
            }
        }

        return new PageDecompressors();
    }

    private void GiveBack(PageDecompressors? decompressors)
    {
        if (decompressors is null)
        {
            return;
        }

        lock (_idleDecompressors)
        {
            if (!_decompressorsReleased)
            {
                _idleDecompressors.Push(decompressors);
                return;
            }
        }

        decompressors.Dispose();
    }

    /// <summary>Zeroes and frees the decompressors' state (a read still running frees its set when it ends), then closes the file.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_idleDecompressors)
            {
                _decompressorsReleased = true;
                while (_idleDecompressors.TryPop(out PageDecompressors? idle))
                {
                    idle.Dispose();
                }
            }
        }

        base.Dispose(disposing);
    }
}
