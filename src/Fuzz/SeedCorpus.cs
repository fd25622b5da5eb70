using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Fuzz;

/// <summary>
/// Generates the seed corpus (<c>src/Fuzz/corpus/&lt;target&gt;/gen-*</c>): blobs written by
/// <see cref="KeyBlobWriter"/> and hand-broken variants for <c>reader</c> and <c>restore</c>, and encoded key sets
/// for <c>writer</c>. Deterministic, so regenerating gives the same files.
/// </summary>
internal static class SeedCorpus
{
    public static int Write(string root)
    {
        int written = 0;
        foreach ((string name, byte[] bytes) in Blobs())
        {
            foreach (string target in (ReadOnlySpan<string>)["reader", "restore"])
            {
                written += Save(root, target, name, bytes);
            }
        }

        foreach ((string name, byte[] bytes) in KeySets())
        {
            written += Save(root, "writer", name, bytes);
        }

        foreach ((string name, string line) in CommandLines())
        {
            written += Save(root, "cmdline", name, Encoding.Latin1.GetBytes(line));
        }

        foreach ((string name, byte[] bytes) in DeviceTrees())
        {
            written += Save(root, "dtb", name, bytes);
        }

        return written;
    }

    public static IEnumerable<(string Name, byte[] Bytes)> Blobs()
    {
        foreach (KeyBlobByteOrder order in new[] { KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian })
        {
            string o = order == KeyBlobByteOrder.LittleEndian ? "le" : "be";
            yield return ($"{o}-1key-32", Blob(order, (Desc(0), 32)));
            yield return ($"{o}-2keys-64-1", Blob(order, (Desc(0), 64), (Desc(1), 1)));
            yield return ($"{o}-1key-256-desc127", Blob(order, ("c:" + new string('d', 125), 256)));
            yield return ($"{o}-1key-svc-colon-only", Blob(order, ("svc:", 16)));
        }

        yield return ("le-128keys-32", Blob(KeyBlobByteOrder.LittleEndian, Enumerable.Range(0, 128).Select(i => (Desc(i), 32)).ToArray()));

        byte[] one = Blob(KeyBlobByteOrder.LittleEndian, (Desc(0), 32));
        yield return ("le-count0", new byte[4]);
        yield return ("le-truncated-header", one[..3]);
        yield return ("le-truncated-entry", one[..^1]);
        yield return ("le-trailing-byte", [.. one, 0x00]);
        yield return ("le-count128-header-only", Patch(new byte[4], 0, 128));
        yield return ("le-count129", Patch(one[..], 0, 129));
        yield return ("le-count80000000", Patch(one[..], 0, 0x80000000));
        yield return ("le-countffffffff", Patch(one[..], 0, 0xffffffff));
        yield return ("le-keysize0", Patch(one[..], 4, 0));
        yield return ("le-keysize257", Patch(one[..], 4, 257));
        yield return ("le-keysizeffffffff", Patch(one[..], 4, 0xffffffff));
        yield return ("le-desc-unterminated", Set(one[..], 4, Enumerable.Repeat((byte)'a', 128).ToArray()));
        yield return ("le-desc-runs-into-data", Set(Set(one[..], 4, Enumerable.Repeat((byte)'a', 128).ToArray()), 132 + 40, [0]));
        yield return ("le-desc-unterminated-whole-entry", Set(Patch(one[..], 4, 1), 4, Enumerable.Repeat((byte)'a', 384).ToArray()));
        yield return ("le-desc-empty", Set(one[..], 4, new byte[24]));
        yield return ("le-desc-newline", Set(one[..], 4, "cryptsetup:\n"u8.ToArray()));
        yield return ("le-desc-not-logon", Set(one[..], 4, ":cryptsetup"u8.ToArray()));
        yield return ("le-desc-padding", Set(one[..], 4 + 127, [1]));
        yield return ("le-data-padding", Set(one[..], 132 + 255, [1]));
        byte[] two = Blob(KeyBlobByteOrder.LittleEndian, (Desc(0), 32), (Desc(1), 32));
        yield return ("le-duplicate", Set(two, 4 + 388 + 4, Encoding.ASCII.GetBytes(Desc(0))));
    }

    public static IEnumerable<(string Name, byte[] Bytes)> KeySets()
    {
        // See KeySetDecoder for the encoding: flags, count, then per key a description and a key selector.
        yield return ("le-1key-generated-64", [0x00, 1, 0x00, 0x03]);
        yield return ("be-1key-generated-64", [0x01, 1, 0x00, 0x03]);
        yield return ("le-3keys-boundary-keys", [0x00, 3, 0x00, 0x00, 1, 0x00, 0x00, 7, 0x00, 0x00, 8]);
        yield return ("le-1key-raw-desc", [0x00, 1, 0x01, 14, .. "cryptsetup:abc"u8, 0x01, 3, 1, 2, 3]);
        yield return ("le-desc-boundaries", [0x00, 8, 0x02, 0, 0x03, 0x02, 1, 0x03, 0x02, 2, 0x03, 0x02, 3, 0x03, 0x02, 4, 0x03, 0x02, 5, 0x03, 0x02, 6, 0x03, 0x02, 7, 0x03]);
        yield return ("le-duplicate", [0x00, 2, 0x00, 0x03, 0x03, 0, 0x03]);
        yield return ("le-desc-nul", [0x00, 1, 0x04, 3, 0, 0x03]);
        yield return ("le-desc-newline", [0x00, 1, 0x04, 5, (byte)'\n', 0x03]);
        yield return ("le-key-u16-300", [0x00, 1, 0x00, 0x02, 0x2c, 0x01]);
        yield return ("le-count0", [0x00, 0]);
        yield return ("slack7-1key", [0x0e, 1, 0x00, 0x03]);
        yield return ("le-128keys", [0x00, 128, .. Enumerable.Repeat<byte[]>([0x00, 0x03], 128).SelectMany(b => b)]);
        yield return ("le-129keys", [0x00, 129, .. Enumerable.Repeat<byte[]>([0x00, 0x03], 129).SelectMany(b => b)]);
    }

    public static IEnumerable<(string Name, string Line)> CommandLines()
    {
        yield return ("x86-kdump", "BOOT_IMAGE=/vmlinuz root=UUID=0 ro irqpoll nr_cpus=1 reset_devices elfcorehdr=0x7f000000 dmcryptkeys=0x7e000000 ");
        yield return ("alone", "dmcryptkeys=0x1000");
        yield return ("decimal", "dmcryptkeys=4096");
        yield return ("octal", "dmcryptkeys=010000");
        yield return ("suffix-k", "dmcryptkeys=4K");
        yield return ("suffix-e", "dmcryptkeys=0xfE");
        yield return ("max", "dmcryptkeys=0xffffffffffffffff");
        yield return ("overflow", "dmcryptkeys=0x10000000000000000");
        yield return ("suffix-overflow", "dmcryptkeys=0x10E");
        yield return ("trailing", "dmcryptkeys=0x1000KB");
        yield return ("zero", "dmcryptkeys=0");
        yield return ("empty-value", "dmcryptkeys=");
        yield return ("bare-name-last", "dmcryptkeys=0x1000 dmcryptkeys");
        yield return ("last-wins", "dmcryptkeys=0x1000 dmcryptkeys=0x2000");
        yield return ("after-double-dash", "quiet -- dmcryptkeys=0x1000");
        yield return ("quoted", "\"dmcryptkeys=0x1000\" a=\"b c\"");
        yield return ("quoted-value", "dmcryptkeys=\"0x1000\"");
        yield return ("tabs-and-nbsp", "a\tdmcryptkeys=0x1000\u00a0b");
        yield return ("nul-ends-line", "dmcryptkeys=0x1000\0dmcryptkeys=0x2000");
        yield return ("prefixed-name", "xdmcryptkeys=0x1000");
    }

    public static IEnumerable<(string Name, byte[] Bytes)> DeviceTrees()
    {
        yield return ("cells-2-2", DeviceTree.BuildDtb(0x7e000000, 392));
        yield return ("cells-1-1", DeviceTree.BuildDtb(0x7e000000, 392, 1, 1));
        yield return ("cells-2-1-bootargs", DeviceTree.BuildDtb(0x1_0000_0000, 49_668, 2, 1, "console=ttyS0 dmcryptkeys=0x1000"));
        yield return ("cells-1-2-top", DeviceTree.BuildDtb(0xffff_f000, 0x1000, 1, 2));
    }

    private static string Desc(int i) => $"cryptsetup:{Guid.Parse($"00000000-0000-4000-8000-{i:x12}")}";

    private static byte[] Blob(KeyBlobByteOrder order, params (string Description, int KeyLength)[] keys)
    {
        var list = new KeyBlobKey[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            byte[] key = new byte[keys[i].KeyLength];
            for (int j = 0; j < key.Length; j++)
            {
                key[j] = (byte)((i * 31) + j + 1);
            }

            list[i] = new KeyBlobKey(Encoding.ASCII.GetBytes(keys[i].Description), key);
        }

        byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(list.Length)];
        if (KeyBlobWriter.Write(list, blob, new KeyBlobWriteOptions { ByteOrder = order }, out _, out KeyBlobProblem problem) != OperationStatus.Done)
        {
            throw new InvalidOperationException($"Seed keys refused: {problem}");
        }
        return blob;
    }

    private static byte[] Patch(byte[] bytes, int at, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), value);
        return bytes;
    }

    private static byte[] Set(byte[] bytes, int at, byte[] value)
    {
        value.CopyTo(bytes.AsSpan(at));
        return bytes;
    }

    private static int Save(string root, string target, string name, byte[] bytes)
    {
        string folder = Path.Combine(root, target);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "gen-" + name), bytes);
        return 1;
    }
}
