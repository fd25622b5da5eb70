using System.Buffers.Binary;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// <see cref="KeyBlobReader.TryReadEntry"/> against the blob reader: an entry read on its own gets the verdict its blob of
/// one gets, with offsets from the entry's first byte; and it is read in place.
/// </summary>
public class EntryReaderTests
{
    private static readonly KeyBlobMode[] Modes = [KeyBlobMode.Strict, KeyBlobMode.Kernel];

    // Every golden vector whose count word says 1 and that holds one whole entry, and the first entry of every vector that
    // holds one: each read as a blob of one and as an entry.
    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.GetFiles(RepoPaths.Vectors, "*.bin").Order(StringComparer.Ordinal))
        {
            if (new FileInfo(path).Length >= KeyBlobLayout.HeaderSize + KeyBlobLayout.EntrySize)
            {
                data.Add(Path.GetFileName(path));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void An_entry_read_alone_gets_its_blob_of_ones_verdict(string name)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, name));
        foreach (KeyBlobByteOrder order in (KeyBlobByteOrder[])[KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian])
        {
            byte[] one = file[..(KeyBlobLayout.HeaderSize + KeyBlobLayout.EntrySize)];
            if (order == KeyBlobByteOrder.BigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(one, 1);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(one, 1);
            }

            ReadOnlySpan<byte> entryBytes = one.AsSpan(KeyBlobLayout.HeaderSize);
            foreach (KeyBlobMode mode in Modes)
            {
                var options = new KeyBlobReadOptions { ByteOrder = order, Mode = mode };
                bool blobValid = KeyBlobReader.TryRead(one, options, out KeyBlob blob, out KeyBlobProblem blobProblem);
                bool entryValid = KeyBlobReader.TryReadEntry(entryBytes, options, out KeyBlobEntry entry, out KeyBlobProblem entryProblem);
                Assert.Equal(blobValid, entryValid);
                if (blobValid)
                {
                    Assert.True(entry.Description.SequenceEqual(blob[0].Description));
                    Assert.True(entry.Key.SequenceEqual(blob[0].Key));
                    Assert.Equal(0, entry.Index);
                    Assert.Equal(0, entry.Offset);
                }
                else
                {
                    Assert.Equal(blobProblem with { Offset = blobProblem.Offset - KeyBlobLayout.HeaderSize }, entryProblem);
                }

                Span<KeyBlobProblem> fromBlob = new KeyBlobProblem[8];
                Span<KeyBlobProblem> fromEntry = new KeyBlobProblem[8];
                int blobCount = KeyBlobReader.CollectProblems(one, options, fromBlob);
                int entryCount = KeyBlobReader.CollectEntryProblems(entryBytes, options, fromEntry);
                Assert.Equal(blobCount, entryCount);
                for (int i = 0; i < Math.Min(blobCount, fromBlob.Length); i++)
                {
                    Assert.Equal(fromBlob[i] with { Offset = fromBlob[i].Offset - KeyBlobLayout.HeaderSize }, fromEntry[i]);
                }
            }
        }
    }

    [Fact]
    public void The_entry_is_a_view_of_the_input_not_a_copy()
    {
        byte[] file = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "one-key.bin"));
        ReadOnlySpan<byte> entryBytes = file.AsSpan(KeyBlobLayout.HeaderSize);
        Assert.True(KeyBlobReader.TryReadEntry(entryBytes, default, out KeyBlobEntry entry, out _));
        Assert.True(entry.Key.Overlaps(entryBytes.Slice(KeyBlobLayout.DataOffset, entry.KeySize), out int keyAt) && keyAt == 0);
        Assert.True(entry.DescriptionWithTerminator.Overlaps(entryBytes.Slice(KeyBlobLayout.DescriptionOffset, 1), out int descriptionAt) && descriptionAt == 0);
    }

    // Boundary pairs: one byte short of an entry is refused at its end; exactly one entry is accepted; one byte more is
    // accepted unless the exact length is asked for.
    [Theory]
    [InlineData(KeyBlobLayout.EntrySize - 1, false, false, KeyBlobError.TruncatedEntries, KeyBlobLayout.EntrySize - 1)]
    [InlineData(KeyBlobLayout.EntrySize, false, true, KeyBlobError.None, 0)]
    [InlineData(KeyBlobLayout.EntrySize, true, true, KeyBlobError.None, 0)]
    [InlineData(KeyBlobLayout.EntrySize + 1, false, true, KeyBlobError.None, 0)]
    [InlineData(KeyBlobLayout.EntrySize + 1, true, false, KeyBlobError.TrailingBytes, KeyBlobLayout.EntrySize)]
    public void Length_rules(int length, bool exact, bool valid, KeyBlobError error, int offset)
    {
        byte[] file = File.ReadAllBytes(Path.Combine(RepoPaths.Vectors, "one-key.bin"));
        byte[] source = new byte[length];
        file.AsSpan(KeyBlobLayout.HeaderSize, Math.Min(length, KeyBlobLayout.EntrySize)).CopyTo(source);
        Assert.Equal(valid, KeyBlobReader.TryReadEntry(source, new KeyBlobReadOptions { RequireExactLength = exact }, out _, out KeyBlobProblem problem));
        Assert.Equal(error, problem.Error);
        Assert.Equal(offset, problem.Offset);
        Assert.Equal(valid ? 0 : -1, valid ? 0 : problem.EntryIndex);
    }

    [Fact]
    public void An_undefined_mode_is_the_callers_mistake()
    {
        byte[] entry = new byte[KeyBlobLayout.EntrySize];
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.TryReadEntry(entry, new KeyBlobReadOptions { Mode = (KeyBlobMode)7 }, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.CollectEntryProblems(entry, new KeyBlobReadOptions { ByteOrder = (KeyBlobByteOrder)7 }, []));
    }
}
