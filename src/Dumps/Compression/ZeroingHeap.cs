using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// The memory a C decoder allocates for its state (zlib's <c>zalloc</c>/<c>zfree</c>, zstd's <c>ZSTD_customMem</c>),
/// owned by one decompressor: every block is zeroed when it is freed (an inflate window or a zstd context holds the
/// last page's bytes, which may be keys), and the live blocks are listed so that tests can look into them. The
/// decoder's opaque pointer is <see cref="Opaque"/>; one thread at a time uses a heap, as it uses its decoder.
/// </summary>
internal sealed unsafe class ZeroingHeap : IDisposable
{
    // Before each block: the previous and next live block and the block's length, padded to 32 bytes so that the block
    // keeps malloc's 16-byte alignment.
    private const int Header = 32;
    private const int PreviousField = 0;
    private const int NextField = 8;
    private const int LengthField = 16;

    // The list's anchor, in native memory so that the decoder can hold a pointer to it: the first live block.
    private byte** _anchor = (byte**)NativeMemory.AllocZeroed((nuint)sizeof(byte*));

    ~ZeroingHeap() => Release();

    /// <summary>The opaque pointer the decoder passes back to the functions below.</summary>
    public void* Opaque => _anchor;

    /// <summary>zlib's <c>alloc_func</c>.</summary>
    public static delegate* unmanaged<void*, uint, uint, void*> ZlibAlloc => &ZAlloc;

    /// <summary>zlib's <c>free_func</c>.</summary>
    public static delegate* unmanaged<void*, void*, void> ZlibFree => &Free;

    /// <summary>zstd's <c>ZSTD_allocFunction</c>.</summary>
    public static delegate* unmanaged<void*, nuint, void*> ZstdAlloc => &Alloc;

    /// <summary>zstd's <c>ZSTD_freeFunction</c>.</summary>
    public static delegate* unmanaged<void*, void*, void> ZstdFree => &Free;

    /// <summary>Whether a live block holds <paramref name="bytes"/>.</summary>
    public bool Contains(ReadOnlySpan<byte> bytes)
    {
        for (byte* block = _anchor == null ? null : *_anchor; block != null; block = *(byte**)(block + NextField))
        {
            if (Payload(block).IndexOf(bytes) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Zeroes every live block without freeing it.</summary>
    public void Clear()
    {
        for (byte* block = _anchor == null ? null : *_anchor; block != null; block = *(byte**)(block + NextField))
        {
            Payload(block).Clear();
        }
    }

    /// <summary>Zeroes and frees every block still live (a decoder that was not ended), then the anchor.</summary>
    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_anchor == null)
        {
            return;
        }

        while (*_anchor != null)
        {
            Free(_anchor, *_anchor + Header);
        }

        NativeMemory.Free(_anchor);
        _anchor = null;
    }

    private static Span<byte> Payload(byte* block) => new(block + Header, (int)*(ulong*)(block + LengthField));

    [UnmanagedCallersOnly]
    private static void* ZAlloc(void* opaque, uint items, uint size) => Allocate((byte**)opaque, (ulong)items * size);

    [UnmanagedCallersOnly]
    private static void* Alloc(void* opaque, nuint size) => Allocate((byte**)opaque, size);

    [UnmanagedCallersOnly]
    private static void Free(void* opaque, void* address) => Free((byte**)opaque, (byte*)address);

    private static void* Allocate(byte** anchor, ulong length)
    {
        if (length > int.MaxValue)
        {
            return null;
        }

        byte* block = (byte*)NativeMemory.Alloc((nuint)(length + Header));
        if (block == null)
        {
            return null;
        }

        *(byte**)(block + PreviousField) = null;
        *(byte**)(block + NextField) = *anchor;
        *(ulong*)(block + LengthField) = length;
        if (*anchor != null)
        {
            *(byte**)(*anchor + PreviousField) = block;
        }

        *anchor = block;
        return block + Header;
    }

    private static void Free(byte** anchor, byte* address)
    {
        if (address == null)
        {
            return;
        }

        byte* block = address - Header;
        byte* previous = *(byte**)(block + PreviousField);
        byte* next = *(byte**)(block + NextField);
        if (previous != null)
        {
            *(byte**)(previous + NextField) = next;
        }
        else
        {
            *anchor = next;
        }

        if (next != null)
        {
            *(byte**)(next + PreviousField) = previous;
        }

        NativeMemory.Clear(block, (nuint)(*(ulong*)(block + LengthField) + Header));
        NativeMemory.Free(block);
    }
}
