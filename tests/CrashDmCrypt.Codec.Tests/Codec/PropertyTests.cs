using System.Buffers;
using CsCheck;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>Round trips and mode relations over random key sets and random bytes (CsCheck).</summary>
public class PropertyTests
{
    // Descriptions in logon form: a printable prefix without ':', then ':' and any bytes but NUL and newline.
    // The entry's index leads the prefix so every set is free of duplicates.
    private static readonly Gen<(byte[] Head, byte[] Tail)> DescriptionParts =
        Gen.Select(
            Gen.Byte[0x21, 0x7e].Where(b => b != (byte)':').Array[0, 12],
            Gen.Byte[1, 255].Where(b => b != (byte)'\n').Array[0, 100]);

    private static readonly Gen<KeyBlobKey[]> KeySets =
        Gen.Select(DescriptionParts, Gen.Byte.Array[1, 256])
            .Array[1, KeyBlobLayout.MaxKeys]
            .Select(parts => parts.Select((p, i) =>
            {
                byte[] description = [.. System.Text.Encoding.ASCII.GetBytes(i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)), .. p.Item1.Head, (byte)':', .. p.Item1.Tail];
                return new KeyBlobKey(description, p.Item2);
            }).ToArray());

    private static readonly Gen<KeyBlobByteOrder> Orders = Gen.Bool.Select(b => b ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian);

    [Fact]
    public void Write_then_read_gives_back_the_keys_in_both_modes_and_orders()
    {
        Gen.Select(KeySets, Orders).Sample((keys, order) =>
        {
            byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
            if (KeyBlobWriter.Write(keys, blob, new KeyBlobWriteOptions { ByteOrder = order }, out int written, out KeyBlobProblem problem) != OperationStatus.Done)
            {
                throw new InvalidOperationException("writer refused a valid set: " + problem);
            }

            Assert.Equal(blob.Length, written);
            foreach (KeyBlobMode mode in new[] { KeyBlobMode.Strict, KeyBlobMode.Kernel })
            {
                Assert.True(KeyBlobReader.TryRead(blob, new KeyBlobReadOptions { ByteOrder = order, Mode = mode, RequireExactLength = true }, out KeyBlob view, out problem), problem.ToString());
                Assert.Equal(keys.Length, view.Count);
                foreach (KeyBlobEntry entry in view)
                {
                    Assert.True(entry.Description.SequenceEqual(keys[entry.Index].Description.Span));
                    Assert.True(entry.Key.SequenceEqual(keys[entry.Index].Key.Span));
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Kernel_mode_accepts_whatever_strict_accepts_with_the_same_entries()
    {
        // Valid blobs with a few random byte flips: most break a strict rule, some do not.
        var mutated = Gen.Select(KeySets, Orders, Gen.Select(Gen.Int, Gen.Byte).Array[0, 4]).Select((keys, order, flips) =>
        {
            byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
            TestWriter.Write(keys, blob, order);
            foreach ((int at, byte value) in flips)
            {
                blob[(int)((uint)at % (uint)blob.Length)] = value;
            }

            return (blob, order);
        });

        mutated.Sample((blob, order) => CheckModes(blob, order), iter: 500);
        Gen.Byte.Array[0, 2000].Select(Orders).Sample((blob, order) => CheckModes(blob, order), iter: 500);
    }

    private static void CheckModes(byte[] blob, KeyBlobByteOrder order)
    {
        var strictOptions = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Strict };
        var kernelOptions = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel };
        bool strictOk = KeyBlobReader.TryRead(blob, strictOptions, out KeyBlob strict, out KeyBlobProblem strictProblem);
        bool kernelOk = KeyBlobReader.TryRead(blob, kernelOptions, out KeyBlob kernel, out KeyBlobProblem kernelProblem);

        Assert.InRange(strictProblem.Offset, 0, blob.Length);
        Assert.InRange(kernelProblem.Offset, 0, blob.Length);

        var first = new KeyBlobProblem[1];
        Assert.Equal(strictOk, KeyBlobReader.CollectProblems(blob, strictOptions, first) == 0);
        Assert.Equal(strictProblem, strictOk ? default : first[0]);

        if (!strictOk)
        {
            return;
        }

        Assert.True(kernelOk, kernelProblem.ToString());
        Assert.Equal(strict.Count, kernel.Count);
        for (int i = 0; i < strict.Count; i++)
        {
            Assert.True(strict[i].DescriptionWithTerminator.SequenceEqual(kernel[i].DescriptionWithTerminator));
            Assert.True(strict[i].Key.SequenceEqual(kernel[i].Key));
        }
    }
}
