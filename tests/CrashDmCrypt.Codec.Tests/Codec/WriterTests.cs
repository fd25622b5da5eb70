using System.Buffers;
using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

public class WriterTests
{
    private static KeyBlobProblem P(KeyBlobError error, int entry, int offset) => new() { Error = error, EntryIndex = entry, Offset = offset };

    private static KeyBlobKey K(string description, int keySize = 32) => Key(description, keySize);

    private static KeyBlobKey KBytes(byte[] description, int keySize = 32) => new(description, new byte[keySize].Select((_, i) => (byte)(i + 1)).ToArray());

    private static readonly Dictionary<string, (KeyBlobKey[] Keys, KeyBlobProblem Expected)> Refusals = new()
    {
        ["no keys"] = ([], P(KeyBlobError.CountZero, -1, 0)),
        ["129 keys"] = (Keys(129), P(KeyBlobError.CountTooLarge, -1, 0)),
        ["empty description"] = ([K("a:b"), K("")], P(KeyBlobError.DescriptionEmpty, 1, Desc(1))),
        ["128-byte description (kernel would truncate)"] = ([K("c:" + new string('x', 126))], P(KeyBlobError.DescriptionTruncatedByKernel, 0, Desc(0) + 127)),
        ["129-byte description"] = ([K("c:" + new string('x', 127))], P(KeyBlobError.DescriptionTooLong, 0, Desc(0))),
        ["NUL inside description"] = ([KBytes([(byte)'a', (byte)':', 0, (byte)'b'])], P(KeyBlobError.DescriptionContainsNul, 0, Desc(0) + 2)),
        ["newline in description"] = ([K("a:b\n")], P(KeyBlobError.DescriptionContainsNewline, 0, Desc(0) + 3)),
        ["no colon"] = ([K("cryptsetup")], P(KeyBlobError.DescriptionNotLogonForm, 0, Desc(0))),
        ["colon first"] = ([K(":x")], P(KeyBlobError.DescriptionNotLogonForm, 0, Desc(0))),
        ["empty key"] = ([K("a:b", 0)], P(KeyBlobError.KeySizeZero, 0, Entry(0))),
        ["257-byte key"] = ([K("a:b"), K("a:c", 257)], P(KeyBlobError.KeySizeTooLarge, 1, Entry(1))),
        ["duplicate description"] = ([K("a:b"), K("a:c"), K("a:b")], P(KeyBlobError.DuplicateDescription, 2, Desc(2))),
    };

    public static TheoryData<string> RefusalNames => [.. Refusals.Keys];

    [Theory]
    [MemberData(nameof(RefusalNames))]
    public void Refuses_and_leaves_the_destination_untouched(string name)
    {
        (KeyBlobKey[] keys, KeyBlobProblem expected) = Refusals[name];
        byte[] destination = new byte[KeyBlobLayout.MaxBlobSize + KeyBlobLayout.EntrySize];
        destination.AsSpan().Fill(0xA5);

        OperationStatus status = KeyBlobWriter.Write(keys, destination, out int written, out KeyBlobProblem problem);

        Assert.Equal(OperationStatus.InvalidData, status);
        Assert.Equal(0, written);
        Assert.Equal(expected, problem);
        Assert.True(destination.AsSpan().IndexOfAnyExcept((byte)0xA5) < 0);
        Assert.False(KeyBlobWriter.TryValidate(keys, out KeyBlobProblem again));
        Assert.Equal(expected, again);
        Assert.Equal(OperationStatus.InvalidData, KeyBlobWriter.Write(keys, destination, new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.BigEndian }, out _, out KeyBlobProblem bigEndian));
        Assert.Equal(expected, bigEndian);
    }

    public static TheoryData<string, int> Accepted => new()
    {
        { "a:", 1 },
        { "c:" + new string('x', 125), 256 },
        { "cryptsetup:7d26b7b4-e342-4d2d-b660-7426b0996720", 64 },
        { "svc:with spaces = and \u00e9", 32 },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Boundary_keys_are_accepted_and_read_back(string description, int keySize)
    {
        KeyBlobKey key = Key(description, keySize);
        byte[] blob = Blob([key]);
        Assert.True(KeyBlobReader.TryRead(blob, new KeyBlobReadOptions { RequireExactLength = true }, out KeyBlob view, out _));
        Assert.Equal(key.Description.ToArray(), view[0].Description.ToArray());
        Assert.Equal(key.Key.ToArray(), view[0].Key.ToArray());
    }

    [Fact]
    public void Writes_the_kernel_layout_byte_for_byte()
    {
        KeyBlobKey key = new(Encoding.ASCII.GetBytes("cryptsetup:u"), new byte[] { 0xde, 0xad, 0xbe, 0xef });
        byte[] expected = new byte[392];
        expected[0] = 1;                                  // total_keys, little-endian
        expected[4] = 4;                                  // key_size
        Encoding.ASCII.GetBytes("cryptsetup:u").CopyTo(expected, 8);
        new byte[] { 0xde, 0xad, 0xbe, 0xef }.CopyTo(expected, 136);

        byte[] destination = new byte[400];
        destination.AsSpan().Fill(0x5A);
        int written = TestWriter.Write([key], destination);

        Assert.Equal(392, written);
        Assert.Equal(expected, destination[..392]);
        Assert.All(destination[392..], b => Assert.Equal(0x5A, b));  // bytes past the blob are left alone

        TestWriter.Write([key], destination, KeyBlobByteOrder.BigEndian);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 4 }, destination[..8]);
        Assert.Equal(expected[8..392], destination[8..392]);
    }

    [Fact]
    public void Overwrites_dirty_destination_with_zero_padding()
    {
        byte[] destination = new byte[KeyBlobLayout.MaxBlobSize];
        destination.AsSpan().Fill(0xff);
        int written = TestWriter.Write(Keys(128, keySize: 1), destination);
        Assert.True(KeyBlobReader.TryRead(destination.AsSpan(0, written), new KeyBlobReadOptions { RequireExactLength = true }, out _, out KeyBlobProblem problem), problem.ToString());
    }

    [Fact]
    public void Destination_too_small_is_a_status_and_writes_nothing()
    {
        KeyBlobKey[] keys = Keys(2);
        var destination = new byte[KeyBlobWriter.GetRequiredSize(2) - 1];
        Assert.Equal(OperationStatus.DestinationTooSmall, KeyBlobWriter.Write(keys, destination, out int written, out KeyBlobProblem problem));
        Assert.Equal(0, written);
        Assert.Equal(default, problem);
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.Write(keys, new byte[KeyBlobWriter.GetRequiredSize(2)], out written, out _));
        Assert.Equal(KeyBlobWriter.GetRequiredSize(2), written);
    }

    [Fact]
    public void An_undefined_byte_order_is_caller_misuse()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobWriter.Write(Keys(1), new byte[400], new KeyBlobWriteOptions { ByteOrder = (KeyBlobByteOrder)2 }, out _, out _));
    }

    [Fact]
    public void A_description_alone_is_checked_by_the_same_rules()
    {
        var problems = new KeyBlobProblem[4];
        Assert.Equal(0, KeyBlobWriter.CollectDescriptionProblems("cryptsetup:a"u8, problems));
        Assert.Equal(1, KeyBlobWriter.CollectDescriptionProblems(new byte[128], problems));
        Assert.Equal(KeyBlobError.DescriptionTruncatedByKernel, problems[0].Error);
        Assert.Equal(3, KeyBlobWriter.CollectDescriptionProblems("a\nb\0"u8, problems));
        Assert.Equal([KeyBlobError.DescriptionContainsNul, KeyBlobError.DescriptionContainsNewline, KeyBlobError.DescriptionNotLogonForm], problems[..3].Select(p => p.Error));
        Assert.Equal(1, KeyBlobWriter.CollectDescriptionProblems(new byte[129], problems));
        Assert.Equal(KeyBlobError.DescriptionTooLong, problems[0].Error);
    }

    [Fact]
    public void Invalid_keys_are_reported_even_when_the_destination_is_too_small()
    {
        Assert.Equal(OperationStatus.InvalidData, KeyBlobWriter.Write([K("nocolon")], [], out _, out KeyBlobProblem problem));
        Assert.Equal(KeyBlobError.DescriptionNotLogonForm, problem.Error);
    }

    [Fact]
    public void Collect_reports_every_bad_key()
    {
        var problems = new KeyBlobProblem[8];
        int n = KeyBlobWriter.CollectProblems([K("x", 0), K("a:b", 300), K("a:b")], problems);
        Assert.Equal(
            [
                P(KeyBlobError.DescriptionNotLogonForm, 0, Desc(0)),
                P(KeyBlobError.KeySizeZero, 0, Entry(0)),
                P(KeyBlobError.KeySizeTooLarge, 1, Entry(1)),
                P(KeyBlobError.DuplicateDescription, 2, Desc(2)),
            ],
            problems[..n]);
    }

    // Per-key rules with offsets from the entry's start; the set's rules (count, duplicates) are not the entry's.
    private static readonly Dictionary<string, (KeyBlobKey Key, KeyBlobProblem Expected)> EntryRefusals = new()
    {
        ["empty description"] = (K(""), P(KeyBlobError.DescriptionEmpty, 0, KeyBlobLayout.DescriptionOffset)),
        ["128-byte description"] = (K("c:" + new string('x', 126)), P(KeyBlobError.DescriptionTruncatedByKernel, 0, KeyBlobLayout.DescriptionOffset + 127)),
        ["129-byte description"] = (K("c:" + new string('x', 127)), P(KeyBlobError.DescriptionTooLong, 0, KeyBlobLayout.DescriptionOffset)),
        ["NUL inside description"] = (KBytes([(byte)'a', (byte)':', 0, (byte)'b']), P(KeyBlobError.DescriptionContainsNul, 0, KeyBlobLayout.DescriptionOffset + 2)),
        ["newline in description"] = (K("a:b\n"), P(KeyBlobError.DescriptionContainsNewline, 0, KeyBlobLayout.DescriptionOffset + 3)),
        ["no colon"] = (K("cryptsetup"), P(KeyBlobError.DescriptionNotLogonForm, 0, KeyBlobLayout.DescriptionOffset)),
        ["empty key"] = (K("a:b", 0), P(KeyBlobError.KeySizeZero, 0, KeyBlobLayout.KeySizeOffset)),
        ["257-byte key"] = (K("a:c", 257), P(KeyBlobError.KeySizeTooLarge, 0, KeyBlobLayout.KeySizeOffset)),
    };

    public static TheoryData<string> EntryRefusalNames => [.. EntryRefusals.Keys];

    [Theory]
    [MemberData(nameof(EntryRefusalNames))]
    public void An_entry_is_refused_by_the_per_key_rules_and_nothing_is_written(string name)
    {
        (KeyBlobKey key, KeyBlobProblem expected) = EntryRefusals[name];
        foreach (KeyBlobByteOrder order in new[] { KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian })
        {
            byte[] destination = new byte[KeyBlobLayout.EntrySize + 8];
            destination.AsSpan().Fill(0xA5);

            Assert.Equal(OperationStatus.InvalidData, KeyBlobWriter.WriteEntry(key, destination, new KeyBlobWriteOptions { ByteOrder = order }, out KeyBlobProblem problem));
            Assert.Equal(expected, problem);
            Assert.True(destination.AsSpan().IndexOfAnyExcept((byte)0xA5) < 0);

            // A refused key is reported before the destination's size is looked at.
            Assert.Equal(OperationStatus.InvalidData, KeyBlobWriter.WriteEntry(key, [], new KeyBlobWriteOptions { ByteOrder = order }, out problem));
            Assert.Equal(expected, problem);
        }
    }

    [Theory]
    [InlineData(KeyBlobByteOrder.LittleEndian)]
    [InlineData(KeyBlobByteOrder.BigEndian)]
    public void Entries_and_a_count_written_one_at_a_time_make_the_blob_Write_makes(KeyBlobByteOrder order)
    {
        KeyBlobKey[] keys = [Key("a:", 1), Key("c:" + new string('x', 125), 256, seed: 3), Key("cryptsetup:u", 64, seed: 9)];
        var options = new KeyBlobWriteOptions { ByteOrder = order };
        byte[] whole = Blob(keys, order);

        byte[] pieces = new byte[whole.Length + 8];
        pieces.AsSpan().Fill(0x5A);
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteCount((uint)keys.Length, pieces, options));
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteEntry(keys[i], pieces.AsSpan(Entry(i)), options, out KeyBlobProblem problem));
            Assert.Equal(default, problem);
        }

        Assert.Equal(whole, pieces[..whole.Length]);
        Assert.All(pieces[whole.Length..], b => Assert.Equal(0x5A, b));  // bytes past the last entry are left alone
    }

    [Fact]
    public void An_entry_one_byte_short_is_a_status_and_writes_nothing()
    {
        byte[] destination = new byte[KeyBlobLayout.EntrySize - 1];
        Assert.Equal(OperationStatus.DestinationTooSmall, KeyBlobWriter.WriteEntry(K("a:b"), destination, default, out KeyBlobProblem problem));
        Assert.Equal(default, problem);
        Assert.All(destination, b => Assert.Equal(0, b));
    }

    [Fact]
    public void The_count_is_written_as_given_in_either_byte_order()
    {
        byte[] destination = new byte[6];
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteCount(129, destination, default));
        Assert.Equal(new byte[] { 129, 0, 0, 0, 0, 0 }, destination);
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteCount(0x01020304, destination, new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.BigEndian }));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 0, 0 }, destination);
        Assert.Equal(OperationStatus.DestinationTooSmall, KeyBlobWriter.WriteCount(1, new byte[3], default));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobWriter.WriteCount(1, destination, new KeyBlobWriteOptions { ByteOrder = (KeyBlobByteOrder)2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobWriter.WriteEntry(K("a:b"), new byte[400], new KeyBlobWriteOptions { ByteOrder = (KeyBlobByteOrder)2 }, out _));
    }

    [Fact]
    public void Sizes_are_4_plus_388_per_key()
    {
        Assert.Equal(4, KeyBlobWriter.GetRequiredSize(0));
        Assert.Equal(392, KeyBlobWriter.GetRequiredSize(1));
        Assert.Equal(49_668, KeyBlobWriter.GetRequiredSize(128));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobWriter.GetRequiredSize(129));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobWriter.GetRequiredSize(-1));
        Assert.True(KeyBlobLayout.TryGetBlobSize(128, out int max));
        Assert.Equal(49_668, max);
        Assert.False(KeyBlobLayout.TryGetBlobSize(uint.MaxValue, out _));
        Assert.False(KeyBlobLayout.TryGetBlobSize(129, out _));
    }
}
