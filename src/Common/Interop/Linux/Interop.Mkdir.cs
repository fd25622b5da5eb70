using System.Runtime.InteropServices;

namespace CrashDmCrypt;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary><c>mkdir(path, mode)</c>: 0, or -1 with EEXIST when the name exists, whatever it is (no race with a check).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Mkdir(string path, uint mode);
    }
}
