using CrashDmCrypt.Codec;
using CrashDmCrypt.Fuzz.Targets;

namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>How writer-target inputs become key sets (the encoding documented on <see cref="KeySetDecoder"/>).</summary>
public sealed class KeySetDecoderTests
{
    public static TheoryData<string, string, bool, int, int[], int[]> Cases => new()
    {
        // name, input hex, big-endian, slack, description lengths, key lengths
        { "empty input: no keys", "", false, 0, [], [] },
        { "generated description, 64-byte key", "00010003", false, 0, [15], [64] },
        { "big-endian flag and slack 7", "0f010003", true, 7, [15], [64] },
        { "boundary description lengths 0 and 129", "0002020003020603", false, 0, [0, 129], [64, 64] },
        { "boundary key lengths 0, 256, 257", "0003000000000007000008", false, 0, [15, 15, 15], [0, 256, 257] },
        { "raw description of 3 bytes, raw key of 2", "000101036b3a7801020102", false, 0, [3], [2] },
        { "raw lengths past the end take what is there", "0001010561", false, 0, [1], [0] },
        { "u16 key length modulo 1025", "000100022c01", false, 0, [15], [300] },
        { "count selector 131 is 1 key", "0083", false, 0, [15], [0] },
        { "count selector 135 is 129 keys", "0087", false, 0, Enumerable.Repeat(15, 129).ToArray(), Enumerable.Repeat(0, 129).ToArray() },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decodes(string name, string hex, bool bigEndian, int slack, int[] descriptionLengths, int[] keyLengths)
    {
        byte[] arena = new byte[512 * 1024];
        var keys = new KeyBlobKey[256];
        var decoder = new KeySetDecoder(Convert.FromHexString(hex));

        int count = decoder.Decode(arena, keys, out KeyBlobByteOrder order, out int actualSlack);

        Assert.True(descriptionLengths.Length == count, name);
        Assert.Equal(bigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian, order);
        Assert.Equal(slack, actualSlack);
        Assert.Equal(descriptionLengths, keys.Take(count).Select(k => k.Description.Length));
        Assert.Equal(keyLengths, keys.Take(count).Select(k => k.Key.Length));
    }

    [Fact]
    public void Generated_descriptions_are_unique_logon_descriptions_and_copies_repeat_them()
    {
        byte[] arena = new byte[512 * 1024];
        var keys = new KeyBlobKey[256];
        var decoder = new KeySetDecoder(Convert.FromHexString("000300030003030003"));

        int count = decoder.Decode(arena, keys, out _, out _);

        Assert.Equal(3, count);
        Assert.Equal("cryptsetup:0000"u8.ToArray(), keys[0].Description.ToArray());
        Assert.Equal("cryptsetup:0001"u8.ToArray(), keys[1].Description.ToArray());
        Assert.Equal(keys[0].Description.ToArray(), keys[2].Description.ToArray());
        Assert.False(KeyBlobWriter.TryValidate(keys.AsSpan(0, 3), out KeyBlobProblem problem));
        Assert.Equal(new KeyBlobProblem { Error = KeyBlobError.DuplicateDescription, EntryIndex = 2, Offset = 4 + (388 * 2) + 4 }, problem);
    }
}
