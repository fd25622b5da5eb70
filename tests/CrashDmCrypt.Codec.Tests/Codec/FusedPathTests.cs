using System.Buffers;
using System.Buffers.Binary;
using CsCheck;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Tests.Shared;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// Differential tests of the hot path's one-pass checks and vector writes against the rule-by-rule checks and a
/// plain clear-then-copy writer: same verdict, same first problem, same bytes, on random and hostile key sets.
/// </summary>
public class FusedPathTests
{
    // Bytes that decide the description rules (NUL, newline, ':') and a few that do not; lengths around every
    // vector block boundary and the 127/128 limits.
    private static readonly Gen<byte[]> Descriptions =
        Gen.Int[0, 130].SelectMany(length => Gen.Frequency(
            (40, Gen.Const((byte)'a')), (10, Gen.Const((byte)':')), (2, Gen.Const((byte)0)), (2, Gen.Const((byte)'\n')), (10, Gen.Byte))
            .Array[length]);

    private static readonly Gen<KeyBlobKey[]> KeySets =
        Gen.Select(Descriptions, Gen.Int[0, 258])
            .Select((d, k) => new KeyBlobKey(d, Enumerable.Range(1, k).Select(i => (byte)i).ToArray()))
            .Array[0, 130];

    // Mostly valid sets: the fast path's "yes" must be right too, and duplicates must be found.
    private static readonly Gen<KeyBlobKey[]> MostlyValid =
        Gen.Select(Gen.Int[1, KeyBlobLayout.MaxKeys], Gen.Int[1, 127], Gen.Int[1, 256], Gen.Int[0, 3])
            .Select((count, length, keySize, duplicates) =>
            {
                var keys = new KeyBlobKey[count];
                for (int i = 0; i < count; i++)
                {
                    byte[] d = new byte[Math.Max(length, 4)];
                    d.AsSpan().Fill((byte)'x');
                    d[1] = (byte)':';
                    BinaryPrimitives.WriteUInt16LittleEndian(d.AsSpan(d.Length - 2), (ushort)(0x4141 + i));
                    keys[i] = new KeyBlobKey(d.AsMemory(0, Math.Min(d.Length, 127)), new byte[keySize].Select((_, j) => (byte)(i + j)).ToArray());
                }

                for (int n = 0; n < duplicates && count > 1; n++)
                {
                    keys[(n * 7 + 1) % count] = keys[(n * 3) % count] with { Key = new byte[] { 1 } };
                }

                return keys;
            });

    [Fact]
    public void Write_matches_the_rule_by_rule_checks_and_a_clear_then_copy_writer()
    {
        Gen.OneOf(KeySets, MostlyValid).Select(Gen.Bool).Sample((keys, bigEndian) => Check(keys, bigEndian), iter: 2000);
    }

    [Fact]
    public void Writer_description_check_matches_the_rules_for_every_length_and_position()
    {
        Span<KeyBlobProblem> problems = stackalloc KeyBlobProblem[1];
        foreach (byte special in new byte[] { 0, (byte)'\n', (byte)':' })
        {
            for (int length = 0; length <= 130; length++)
            {
                for (int at = -1; at < length; at++)
                {
                    byte[] d = new byte[length];
                    d.AsSpan().Fill((byte)'k');
                    if (length > 1 && special != (byte)':')
                    {
                        d[length / 2] = (byte)':';
                    }

                    if (at >= 0)
                    {
                        d[at] = special;
                    }

                    bool expected = KeyBlobWriter.CollectDescriptionProblems(d, problems) == 0;
                    Assert.True(expected == DescriptionField.IsValidWriterDescription(d), $"length {length}, byte {special} at {at}");
                }
            }
        }
    }

    private static void Check(KeyBlobKey[] keys, bool bigEndian)
    {
        KeyBlobByteOrder order = bigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
        Span<KeyBlobProblem> all = new KeyBlobProblem[4];
        int count = KeyBlobWriter.CollectProblems(keys, all);
        bool valid = count == 0;

        Assert.Equal(valid, KeyBlobWriter.IsValid(keys));
        Assert.Equal(valid, KeyBlobWriter.TryValidate(keys, out KeyBlobProblem first));
        Assert.Equal(valid ? default : all[0], first);

        byte[] destination = new byte[KeyBlobLayout.MaxBlobSize + 3];
        destination.AsSpan().Fill(0x5A);
        OperationStatus status = KeyBlobWriter.Write(keys, destination, new KeyBlobWriteOptions { ByteOrder = order }, out int written, out KeyBlobProblem problem);
        Assert.Equal(first, problem);
        if (!valid)
        {
            Assert.Equal(OperationStatus.InvalidData, status);
            Assert.True(destination.AsSpan().IndexOfAnyExcept((byte)0x5A) < 0);
            Assert.False(KeyBlobKeySet.TryCreate(keys, out _, out KeyBlobProblem setProblem));
            Assert.Equal(first, setProblem);
            return;
        }

        Assert.Equal(OperationStatus.Done, status);
        byte[] expected = ClearThenCopy(keys, order);
        Assert.Equal(expected.Length, written);
        Assert.True(destination.AsSpan(0, written).SequenceEqual(expected));
        Assert.True(destination.AsSpan(written).IndexOfAnyExcept((byte)0x5A) < 0);

        Assert.True(KeyBlobKeySet.TryCreate(keys, out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            byte[] again = new byte[expected.Length];
            Assert.Equal(OperationStatus.Done, keySet.Write(again, new KeyBlobWriteOptions { ByteOrder = order }, out _));
            Assert.Equal(expected, again);
        }
    }

    // The writer as build_keys_header does it: a zeroed buffer, then each field copied in.
    private static byte[] ClearThenCopy(KeyBlobKey[] keys, KeyBlobByteOrder order)
    {
        byte[] blob = new byte[KeyBlobLayout.GetBlobSize(keys.Length)];
        TestBlobs.PutU32(blob, KeyBlobLayout.CountOffset, (uint)keys.Length, order);
        for (int i = 0; i < keys.Length; i++)
        {
            TestBlobs.PutU32(blob, KeyBlobLayout.GetEntryOffset(i) + KeyBlobLayout.KeySizeOffset, (uint)keys[i].Key.Length, order);
            Span<byte> entry = blob.AsSpan(KeyBlobLayout.GetEntryOffset(i), KeyBlobLayout.EntrySize);
            keys[i].Description.Span.CopyTo(entry[KeyBlobLayout.DescriptionOffset..]);
            keys[i].Key.Span.CopyTo(entry[KeyBlobLayout.DataOffset..]);
        }

        return blob;
    }
}
