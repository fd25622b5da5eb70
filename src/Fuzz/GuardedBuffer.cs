using System.Security.Cryptography;

namespace CrashDmCrypt.Fuzz;

/// <summary>
/// Native pages framed by inaccessible guard pages: <see cref="Tail"/> hands out bytes that end exactly at
/// the upper guard page, so reading or writing one byte past them is a SIGSEGV (a crash for AFL) instead of
/// a silent read of whatever the GC heap holds next. Linux only (mmap/mprotect from src/Common/Interop/Linux).
/// </summary>
internal sealed unsafe class GuardedBuffer : IDisposable
{
    private static readonly nuint PageSize = (nuint)Environment.SystemPageSize;

    private byte* _mapping;
    private nuint _mappingLength;
    private nuint _capacity;

    /// <summary>Maps room for at least <paramref name="capacity"/> bytes between two guard pages.</summary>
    public GuardedBuffer(int capacity = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Map(RoundUp((nuint)Math.Max(capacity, 1)));
    }

    /// <summary>Usable bytes before the upper guard page.</summary>
    public int Capacity => (int)_capacity;

    /// <summary>
    /// <paramref name="length"/> bytes that end at the upper guard page (growing the mapping if needed).
    /// Their content is whatever the last user left; callers fill them.
    /// </summary>
    public Span<byte> Tail(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ObjectDisposedException.ThrowIf(_mapping is null, this);
        if ((nuint)length > _capacity)
        {
            Unmap();
            Map(RoundUp((nuint)length));
        }

        byte* end = _mapping + PageSize + _capacity;
        return new Span<byte>(end - length, length);
    }

    /// <summary>Copies <paramref name="data"/> so that it ends exactly at the upper guard page.</summary>
    public Span<byte> Place(ReadOnlySpan<byte> data)
    {
        Span<byte> tail = Tail(data.Length);
        data.CopyTo(tail);
        return tail;
    }

    /// <summary>
    /// The <paramref name="length"/> bytes just before the last <paramref name="tailLength"/> bytes
    /// (fewer if the mapping has fewer): room for a sentinel in front of a <see cref="Tail"/>.
    /// </summary>
    public Span<byte> Before(int tailLength, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tailLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((nuint)tailLength, _capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int room = (int)Math.Min((nuint)length, _capacity - (nuint)tailLength);
        byte* end = _mapping + PageSize + _capacity - tailLength;
        return new Span<byte>(end - room, room);
    }

    /// <summary>Clears and unmaps the pages.</summary>
    public void Dispose()
    {
        Unmap();
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps the pages if <see cref="Dispose"/> was never called.</summary>
    ~GuardedBuffer() => Unmap();

    private static nuint RoundUp(nuint length) => (length + PageSize - 1) / PageSize * PageSize;

    private void Map(nuint capacity)
    {
        nuint total = capacity + (2 * PageSize);
        void* mapping = Interop.Libc.MMap(null, total, Interop.Libc.PROT_READ | Interop.Libc.PROT_WRITE, Interop.Libc.MAP_PRIVATE | Interop.Libc.MAP_ANONYMOUS, -1, 0);
        if (mapping == Interop.Libc.MapFailed)
        {
            throw new InvalidOperationException($"mmap of {total} bytes failed: errno {(int)Interop.Libc.GetLastErrno()}.");
        }

        byte* bytes = (byte*)mapping;

        // One guard page below and one above the data pages.
        if (Interop.Libc.MProtect(bytes, PageSize, Interop.Libc.PROT_NONE) != 0
            || Interop.Libc.MProtect(bytes + PageSize + capacity, PageSize, Interop.Libc.PROT_NONE) != 0)
        {
            int errno = (int)Interop.Libc.GetLastErrno();
            _ = Interop.Libc.MUnmap(mapping, total);
            throw new InvalidOperationException($"mprotect failed: errno {errno}.");
        }

        _mapping = bytes;
        _mappingLength = total;
        _capacity = capacity;
    }

    private void Unmap()
    {
        if (_mapping is null)
        {
            return;
        }

        // Fuzz inputs stand in for key material: clear them like key material.
        CryptographicOperations.ZeroMemory(new Span<byte>(_mapping + PageSize, (int)_capacity));
        _ = Interop.Libc.MUnmap(_mapping, _mappingLength);
        _mapping = null;
        _mappingLength = 0;
        _capacity = 0;
    }
}
