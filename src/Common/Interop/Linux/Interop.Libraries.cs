namespace CrashDmCrypt;

/// <summary>
/// The Linux calls the project makes itself, one file per function, linked as internal source into each assembly that
/// needs them (src/Common/Interop/README.md). Every import is a source-generated <c>[LibraryImport]</c> with
/// <c>SetLastError = true</c>, so it runs under Native AOT and the errno is caught before anything else can change it.
/// </summary>
internal static partial class Interop
{
    /// <summary>The native libraries the imports name.</summary>
    internal static class Libraries
    {
        /// <summary>The C library (glibc's <c>libc.so.6</c>, which the runtime already has loaded).</summary>
        internal const string Libc = "libc";
    }
}
