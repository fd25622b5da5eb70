using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Writes a gzip-compressed cpio archive in the "newc" format (Documentation/driver-api/early-userspace/buffer-format.rst),
/// the form the kernel unpacks from an initramfs; appended to the lab's image it adds a scenario's files.
/// Hand-written because no package here writes newc and a format of 110-byte ASCII headers needs none.
/// </summary>
internal static class Cpio
{
    public static void Write(string path, IReadOnlyDictionary<string, byte[]> files)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        int inode = 1000;
        var dirs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string name in files.Keys)
        {
            for (string? dir = Path.GetDirectoryName(name); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                dirs.Add(dir);
            }
        }

        foreach (string dir in dirs)
        {
            Entry(gzip, dir, 0x41ED, [], inode++);
        }

        foreach ((string name, byte[] data) in files)
        {
            Entry(gzip, name, 0x81A4, data, inode++);
        }

        Entry(gzip, "TRAILER!!!", 0, [], 0);
    }

    private static void Entry(Stream output, string name, int mode, byte[] data, int inode)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder("070701");
        foreach (long field in new long[] { inode, mode, 0, 0, 1, 0, data.Length, 0, 0, 0, 0, nameBytes.Length, 0 })
        {
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        }

        byte[] head = Encoding.ASCII.GetBytes(header.ToString());
        output.Write(head);
        output.Write(nameBytes);
        Pad(output, head.Length + nameBytes.Length);
        output.Write(data);
        Pad(output, data.Length);
    }

    private static void Pad(Stream output, int length)
    {
        for (int i = length; i % 4 != 0; i++)
        {
            output.WriteByte(0);
        }
    }
}
