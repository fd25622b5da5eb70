using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CrashDmCrypt.Dumps.Sources;

/// <summary>
/// A whole dump file mapped read-only (<c>mmap(2)</c>), shared by the scan workers' <see cref="FileView"/>s. A
/// <see cref="SafeHandle"/> for its count: each view holds a reference while it gives out a span, so that the mapping
/// ends (<c>munmap(2)</c>) only when its source is disposed and no view holds it any more. One mapping, not one per
/// window: a window's own <c>mmap</c>, <c>munmap</c> (a TLB shootdown on every core) and reading in cost as much as
/// copying it (bench/README.md).
/// </summary>
internal sealed unsafe class FileMapping : SafeHandle
{
    private readonly nuint _length;

    private FileMapping(void* address, nuint length)
        : base(0, ownsHandle: true)
    {
        SetHandle((nint)address);
        _length = length;
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>The mapping's first byte: the file's byte 0.</summary>
    public byte* Address => (byte*)handle;

    /// <summary>Maps the first <paramref name="length"/> bytes of <paramref name="file"/>; null when it cannot be mapped.</summary>
    public static FileMapping? TryCreate(SafeFileHandle file, long length)
    {
        if (length <= 0 || (ulong)length > nuint.MaxValue)
        {
            return null;
        }

        bool added = false;
        try
        {
            // A reference on the handle while its descriptor is used, so that a Dispose on another thread cannot close it
            // (and the number be reused) in between. The mapping holds the file by itself.
            file.DangerousAddRef(ref added);
            void* address = Interop.Libc.MMap(null, (nuint)length, Interop.Libc.PROT_READ, Interop.Libc.MAP_PRIVATE, (int)file.DangerousGetHandle(), 0);
            return address == Interop.Libc.MapFailed ? null : new FileMapping(address, (nuint)length);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Reads in every page of <c>[offset, offset + length)</c> now (<c>madvise(MADV_POPULATE_READ)</c>): false where touching
    /// one would raise SIGBUS (a read error, a file shorter than it was: mm/madvise.c:965-1001 in Linux 7.2,
    /// <c>madvise_populate</c>) or the kernel cannot (a mapping of device pages such as <c>/proc/vmcore</c>'s, refused by
    /// mm/gup.c:1207-1208, <c>check_vma_flags</c>; a kernel before 5.14). The caller holds a reference.
    /// </summary>
    public bool TryReadIn(long offset, int length)
    {
        long skew = offset % Environment.SystemPageSize;
        return Interop.Libc.MAdvise(Address + (offset - skew), (nuint)(skew + length), Interop.Libc.MADV_POPULATE_READ) == 0;
    }

    protected override bool ReleaseHandle() => Interop.Libc.MUnmap((void*)handle, _length) == 0;
}
