using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Compression;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Reading pages: each stored page's data, decompressed by the method its descriptor names. The read state (decompressors,
/// descriptors and data read ahead) belongs to this reader: a read takes one idle state (or makes one) and gives it back,
/// so parallel readers never share one, and disposing the reader zeroes and frees every state it made.
/// </summary>
internal sealed partial class KdumpMemory
{
    // A partial page, and a copy of compressed bytes that are not one span of the file (a flattened record boundary).
    [ThreadStatic]
    private static byte[]? t_scratch;

    [ThreadStatic]
    private static byte[]? t_packed;

    // The states no read holds; at most one per thread that ever read at once.
    private readonly List<KdumpReadState> _idleStates = [];
    private bool _statesReleased;

    private protected override bool ReadCore(ulong address, Span<byte> destination, out DumpProblem problem)
    {
        int pageSize = PageSize;

        // This thread's buffers, when a read needs them: both may hold keys and are cleared at the end.
        byte[]? scratch = null;
        byte[]? packed = null;
        KdumpReadState? state = null;
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
                    if (!TryReadPage(pfn, part, ref packed, ref state, out problem))
                    {
                        return false;
                    }
                }
                else
                {
                    scratch ??= ThreadBuffer(ref t_scratch, pageSize);
                    if (!TryReadPage(pfn, scratch.AsSpan(0, pageSize), ref packed, ref state, out problem))
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
            GiveBack(state);
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
        KdumpReadState? state = null;
        try
        {
            if (pfn >= (ulong)_present.Length * 8 || !IsSet(_present, (long)pfn))
            {
                problem = DumpProblem.At(DumpError.AddressNotInDump, -1);
                return false;
            }

            return TryReadPage(pfn, page, ref packed, ref state, out problem);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(packed);
            GiveBack(state);
        }
    }

    private bool TryReadPage(ulong pfn, Span<byte> page, ref byte[]? packed, ref KdumpReadState? state, out DumpProblem problem)
    {
        state ??= Take();
        if (!TryReadDescriptor(pfn, state.Descriptors, out long at, out KdumpPageDescriptor descriptor))
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
        int size = (int)descriptor.Size;
        if (!Source.TryGetSpan(offset, size, out ReadOnlySpan<byte> data) && !state.Data.TryRead(Source, offset, size, out data))
        {
            // size <= one page (checked above); the caller clears the copy.
            packed ??= ThreadBuffer(ref t_packed, page.Length);
            if (!Source.TryRead(offset, packed.AsSpan(0, size)))
            {
                problem = DumpProblem.At(DumpError.IoError, offset);
                return false;
            }

            data = packed.AsSpan(0, size);
        }

        DumpError error = DumpError.None;
        if (descriptor.Method == DumpCompression.None)
        {
            data.CopyTo(page);
        }
        else
        {
            error = state.Decompressors.Decompress(descriptor.Method, data, page);
        }

        problem = error == DumpError.None ? default : DumpProblem.At(error, offset);
        return error == DumpError.None;
    }

    // The state this thread used last when it is idle (its read-ahead may already hold the bytes after this thread's last
    // read, which is where a scan's next window on this thread starts), else any idle one, else a new one.
    private KdumpReadState Take()
    {
        int thread = Environment.CurrentManagedThreadId;
        lock (_idleStates)
        {
            int count = _idleStates.Count;
            if (count > 0)
            {
                int pick = count - 1;
                for (int i = 0; i < count; i++)
                {
                    if (_idleStates[i].Thread == thread)
                    {
                        pick = i;
                        break;
                    }
                }

                KdumpReadState idle = _idleStates[pick];
                _idleStates.RemoveAt(pick);
                idle.Thread = thread;
                return idle;
            }
        }

        return new KdumpReadState { Thread = thread };
    }

    private void GiveBack(KdumpReadState? state)
    {
        if (state is null)
        {
            return;
        }

        lock (_idleStates)
        {
            if (!_statesReleased)
            {
                _idleStates.Add(state);
                return;
            }
        }

        state.Dispose();
    }

    /// <summary>Zeroes and frees the read states (a read still running frees its state when it ends), then closes the file.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_idleStates)
            {
                _statesReleased = true;
                foreach (KdumpReadState idle in _idleStates)
                {
                    idle.Dispose();
                }

                _idleStates.Clear();
            }
        }

        base.Dispose(disposing);
    }
}
