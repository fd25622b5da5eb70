using System.Runtime.InteropServices;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Binds a system compression library at run time, the one way every codec here does it: by its Debian soname first
/// (the library makedumpfile and libkdumpfile link), then by its plain name. A library that is absent, lacks an
/// export, or runs in a process whose data model the bindings do not describe leaves the codec to its managed
/// fallback. <see cref="NativeLibrary"/> rather than <c>DllImport</c>: a Native AOT binary must start on a machine
/// without the library.
/// </summary>
internal static class NativeCodecLibrary
{
    /// <summary>
    /// Whether native codecs are bound in this process at all. The struct layouts and the sizes the bindings pass
    /// (zlib's <c>z_stream</c>, <c>lzo_init</c>'s type sizes) are LP64's: 64-bit, and not Windows (LLP64, no system libraries).
    /// </summary>
    public static bool IsSupported => IntPtr.Size == 8 && !OperatingSystem.IsWindows();

    /// <summary>
    /// Loads <paramref name="soname"/> (else <paramref name="plainName"/>) and resolves every export in
    /// <paramref name="exports"/> into <paramref name="addresses"/>, in order; false when any step fails.
    /// </summary>
    public static bool TryBind(string soname, string plainName, ReadOnlySpan<string> exports, Span<nint> addresses)
    {
        if (!IsSupported || (!NativeLibrary.TryLoad(soname, out nint handle) && !NativeLibrary.TryLoad(plainName, out handle)))
        {
            return false;
        }

        for (int i = 0; i < exports.Length; i++)
        {
            if (!NativeLibrary.TryGetExport(handle, exports[i], out addresses[i]))
            {
                return false;
            }
        }

        return true;
    }
}
