using System.Buffers;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>The validated key set: created only from valid keys, the same bytes as the checked writer, its own copy, cleared on Dispose.</summary>
public class KeyBlobKeySetTests
{
    public static TheoryData<int, KeyBlobByteOrder> Sizes => new()
    {
        { 1, KeyBlobByteOrder.LittleEndian },
        { 1, KeyBlobByteOrder.BigEndian },
        { 16, KeyBlobByteOrder.BigEndian },
        { 128, KeyBlobByteOrder.LittleEndian },
        { 128, KeyBlobByteOrder.BigEndian },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Writes_the_same_bytes_as_the_checked_writer(int count, KeyBlobByteOrder order)
    {
        KeyBlobKey[] keys = Keys(count);
        var options = new KeyBlobWriteOptions { ByteOrder = order };
        byte[] expected = new byte[KeyBlobWriter.GetRequiredSize(count)];
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.Write(keys, expected, options, out _, out _));

        Assert.True(KeyBlobKeySet.TryCreate(keys, out KeyBlobKeySet? keySet, out KeyBlobProblem problem));
        using (keySet)
        {
            Assert.Equal(default, problem);
            Assert.Equal(count, keySet.Count);
            Assert.Equal(expected.Length, keySet.Size);

            // Twice, and into a longer buffer whose tail must stay as it was.
            byte[] destination = new byte[expected.Length + 7];
            destination.AsSpan().Fill(0xA5);
            for (int round = 0; round < 2; round++)
            {
                Assert.Equal(OperationStatus.Done, keySet.Write(destination, options, out int written));
                Assert.Equal(expected.Length, written);
                Assert.True(destination.AsSpan(0, written).SequenceEqual(expected));
                Assert.True(destination.AsSpan(written).IndexOfAnyExcept((byte)0xA5) < 0);
            }
        }
    }

    [Fact]
    public void Refuses_invalid_keys_with_the_problem_the_writer_reports()
    {
        KeyBlobKey[][] sets =
        [
            [],
            Keys(129),
            [Key("a:b", 32), Key("", 32)],
            [Key("nocolon", 32)],
            [Key("a:b\n", 32)],
            [Key("a:b", 0)],
            [Key("a:b", 257)],
            [Key("a:b", 32), Key("a:c", 32), Key("a:b", 32)],
        ];
        foreach (KeyBlobKey[] keys in sets)
        {
            Assert.Equal(OperationStatus.InvalidData, KeyBlobWriter.Write(keys, new byte[KeyBlobLayout.MaxBlobSize + KeyBlobLayout.EntrySize], out _, out KeyBlobProblem expected));
            Assert.False(KeyBlobKeySet.TryCreate(keys, out KeyBlobKeySet? keySet, out KeyBlobProblem problem));
            Assert.Null(keySet);
            Assert.Equal(expected, problem);
        }
    }

    [Fact]
    public void Keeps_its_own_copy_so_changing_the_callers_keys_changes_nothing()
    {
        byte[] description = "cryptsetup:volume"u8.ToArray();
        byte[] key = [.. Enumerable.Range(1, 64).Select(i => (byte)i)];
        KeyBlobKey[] keys = [new(description, key)];
        byte[] before = new byte[KeyBlobWriter.GetRequiredSize(1)];
        KeyBlobWriter.Write(keys, before, out _, out _);
        Assert.True(KeyBlobKeySet.TryCreate(keys, out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            // After validation the caller's bytes become invalid (no colon, a NUL): the key set is still the checked copy.
            description.AsSpan().Clear();
            key.AsSpan().Fill(0xFF);
            byte[] written = new byte[keySet.Size];
            Assert.Equal(OperationStatus.Done, keySet.Write(written, default, out _));
            Assert.Equal(before, written);
            Assert.True(KeyBlobReader.TryRead(written, default, out _, out _));
        }
    }

    [Fact]
    public void A_short_destination_is_reported_and_left_untouched()
    {
        Assert.True(KeyBlobKeySet.TryCreate(Keys(3), out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            byte[] destination = new byte[keySet.Size - 1];
            destination.AsSpan().Fill(0xA5);
            Assert.Equal(OperationStatus.DestinationTooSmall, keySet.Write(destination, default, out int written));
            Assert.Equal(0, written);
            Assert.True(destination.AsSpan().IndexOfAnyExcept((byte)0xA5) < 0);
        }
    }

    [Fact]
    public void Dispose_zeroises_the_copy_and_later_writes_throw()
    {
        Assert.True(KeyBlobKeySet.TryCreate(Keys(4), out KeyBlobKeySet? keySet, out _));
        byte[] storage = StorageOf(keySet);
        Assert.True(storage.AsSpan().ContainsAnyExcept((byte)0));

        keySet.Dispose();
        keySet.Dispose();

        Assert.True(storage.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.Throws<ObjectDisposedException>(() => keySet.Write(new byte[keySet.Size], default, out _));
    }

    [Fact]
    public void Undefined_byte_order_throws()
    {
        Assert.True(KeyBlobKeySet.TryCreate(Keys(1), out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => keySet.Write(new byte[keySet.Size], new KeyBlobWriteOptions { ByteOrder = (KeyBlobByteOrder)2 }, out _));
        }
    }

    [Fact]
    public void Write_allocates_nothing()
    {
        Assert.True(KeyBlobKeySet.TryCreate(Keys(128), out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            byte[] destination = new byte[keySet.Size];
            var bigEndian = new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.BigEndian };
            for (int i = 0; i < 50; i++)
            {
                keySet.Write(destination, bigEndian, out _);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            keySet.Write(destination, default, out int a);
            keySet.Write(destination, bigEndian, out int b);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(0, after - before);
            Assert.Equal(2 * destination.Length, a + b);
        }
    }

    // The private storage, to prove Dispose clears it (reflection: the type exposes no way to reach it, by design).
    private static byte[] StorageOf(KeyBlobKeySet keySet) =>
        (byte[])typeof(KeyBlobKeySet).GetField("_blob", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(keySet)!;
}
