using System.Buffers.Binary;
using System.Text;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// The blobs scenario 3 hands the real kdump kernel: every golden vector (spec/vectors) and hostile shapes
/// from kernel/crash_dump_dm_crypt.c's restore path that the vectors do not cover. Laid out by hand with
/// BinaryPrimitives (entry = u32 key_size, char key_desc[128], u8 data[256]: 388 bytes after a u32 count).
/// </summary>
internal static class HostileBlobs
{
    private const int Entry = 388, Desc = 4, Data = 132;

    public static IEnumerable<(string Name, byte[] Blob)> All()
    {
        foreach (string file in Directory.GetFiles(RepoPaths.Vectors, "*.bin").Order(StringComparer.Ordinal))
        {
            yield return ("vector " + Path.GetFileName(file), File.ReadAllBytes(file));
        }

        yield return ("key size 300 in the last entry", Blob(2, (0, 32, "cryptsetup:a"), (1, 300, "cryptsetup:b")));
        yield return ("key size 300 in the first of two", Blob(2, (0, 300, "cryptsetup:a"), (1, 32, "cryptsetup:b")));
        yield return ("key size 32767 in the only entry", Blob(1, (0, 32767, "cryptsetup:a")));
        yield return ("key size 32768 then a good entry", Blob(2, (0, 32768, "cryptsetup:a"), (1, 16, "cryptsetup:b")));
        yield return ("key size 40000 then a good entry", Blob(2, (0, 40000, "cryptsetup:a"), (1, 16, "cryptsetup:b")));
        yield return ("key size 0xffffffff then a good entry", Blob(2, (0, 0xffffffff, "cryptsetup:a"), (1, 16, "cryptsetup:b")));
        yield return ("count 128, all entries present", Blob(128, Enumerable.Range(0, 128).Select(i => (i, 8u, $"k:{i}")).ToArray()));
        yield return ("count 129 with 129 entries present", Blob(129, Enumerable.Range(0, 129).Select(i => (i, 8u, $"k:{i}")).ToArray()));
        yield return ("count 3, one entry present", Blob(3, (0, 32, "cryptsetup:a")).AsSpan(0, 4 + Entry).ToArray());
        yield return ("description of 128 characters, no NUL, NUL in the data", DescNoNul(dataNulAt: 5));
        yield return ("description of 128 characters, key data without NUL", DescNoNul(dataNulAt: -1));
        yield return ("empty description then a good entry", Blob(2, (0, 32, ""), (1, 16, "cryptsetup:b")));
        yield return ("a good entry, an empty description, a good entry", Blob(3, (0, 32, "cryptsetup:a"), (1, 16, ""), (2, 16, "cryptsetup:c")));
        yield return ("empty description with key size 0 then a good entry", Blob(2, (0, 0, ""), (1, 16, "cryptsetup:b")));
        yield return ("description with a newline", Blob(1, (0, 32, "cryptsetup:a\nb")));
        yield return ("description without a colon (a user key needs none)", Blob(1, (0, 32, "plain")));
        yield return ("three entries, the same description", Blob(3, (0, 32, "cryptsetup:x"), (1, 16, "cryptsetup:x"), (2, 8, "cryptsetup:x")));
        yield return ("duplicate description, the second with key size 0", Blob(2, (0, 32, "cryptsetup:x"), (1, 0, "cryptsetup:x")));
        yield return ("non-zero padding after description and data", Padding());
        yield return ("big-endian blob on a little-endian kernel", BigEndian());
    }

    private static byte[] Blob(uint count, params (int Index, uint KeySize, string Description)[] entries)
    {
        var blob = new byte[4 + (Entry * entries.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, count);
        foreach ((int i, uint size, string description) in entries)
        {
            Span<byte> e = blob.AsSpan(4 + (i * Entry), Entry);
            BinaryPrimitives.WriteUInt32LittleEndian(e, size);
            Encoding.UTF8.GetBytes(description).CopyTo(e[Desc..]);
            for (int b = 0; b < 256; b++)
            {
                e[Data + b] = (byte)(0x80 | ((b * 7) + i + 1)); // never 0: an over-read or runaway strlen stays visible
            }
        }

        return blob;
    }

    private static byte[] DescNoNul(int dataNulAt)
    {
        byte[] blob = Blob(1, (0, 32, ""));
        blob.AsSpan(4 + Desc, 128).Fill((byte)'d');
        "cryptsetup:"u8.CopyTo(blob.AsSpan(4 + Desc));
        if (dataNulAt >= 0)
        {
            blob[4 + Data + dataNulAt] = 0;
        }

        return blob;
    }

    private static byte[] Padding()
    {
        byte[] blob = Blob(1, (0, 16, "cryptsetup:p"));
        blob.AsSpan(4 + Desc + 20, 100).Fill(0x41);
        return blob;
    }

    private static byte[] BigEndian()
    {
        byte[] blob = Blob(1, (0, 32, "cryptsetup:be"));
        BinaryPrimitives.WriteUInt32BigEndian(blob, 1);
        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(4), 32);
        return blob;
    }
}
