using System.Buffers.Binary;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Fuzz.Targets;

namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>
/// The reader target's independent model, checked on its own (boundary pairs side by side), so a disagreement
/// the fuzzer reports points at the codec and not at the model.
/// </summary>
public sealed class BlobModelTests
{
    public static TheoryData<string, string, KeyBlobMode, KeyBlobError, int, int> Cases => new()
    {
        // name, mutation, mode, expected error, entry, offset
        { "one valid key", "", KeyBlobMode.Strict, KeyBlobError.None, 0, 0 },
        { "3 bytes", "cut:3", KeyBlobMode.Kernel, KeyBlobError.TruncatedHeader, -1, 3 },
        { "count 0, strict", "count:0", KeyBlobMode.Strict, KeyBlobError.CountZero, -1, 0 },
        { "count 0, kernel", "count:0", KeyBlobMode.Kernel, KeyBlobError.None, 0, 0 },
        { "count 128 with one entry", "count:128", KeyBlobMode.Kernel, KeyBlobError.TruncatedEntries, -1, 392 },
        { "count 129", "count:129", KeyBlobMode.Kernel, KeyBlobError.CountTooLarge, -1, 0 },
        { "count 0x80000001", "count:2147483649", KeyBlobMode.Kernel, KeyBlobError.CountTooLarge, -1, 0 },
        { "391 bytes", "cut:391", KeyBlobMode.Kernel, KeyBlobError.TruncatedEntries, -1, 391 },
        { "key size 256", "keysize:256", KeyBlobMode.Kernel, KeyBlobError.None, 0, 0 },
        { "key size 257", "keysize:257", KeyBlobMode.Kernel, KeyBlobError.KeySizeTooLarge, 0, 4 },
        { "key size 0, strict", "keysize:0", KeyBlobMode.Strict, KeyBlobError.KeySizeZero, 0, 4 },
        { "key size 0, kernel", "keysize:0", KeyBlobMode.Kernel, KeyBlobError.None, 0, 0 },
        { "description fills the field, NUL in data: strict", "fill:128", KeyBlobMode.Strict, KeyBlobError.DescriptionNotTerminated, 0, 8 },
        { "description fills the field, NUL in data: kernel", "fill:128", KeyBlobMode.Kernel, KeyBlobError.None, 0, 0 },
        { "no NUL in the whole entry", "fill:384", KeyBlobMode.Kernel, KeyBlobError.DescriptionNotTerminated, 0, 8 },
        { "127-byte description", "fill:127", KeyBlobMode.Strict, KeyBlobError.None, 0, 0 },
        { "newline at 3", "byte:11:10", KeyBlobMode.Strict, KeyBlobError.DescriptionContainsNewline, 0, 11 },
        { "padding byte after the NUL", "byte:131:1", KeyBlobMode.Strict, KeyBlobError.DescriptionPaddingNotZero, 0, 131 },
        { "data byte after the key", "byte:391:1", KeyBlobMode.Strict, KeyBlobError.KeyDataPaddingNotZero, 0, 391 },
        { "data byte after the key, kernel", "byte:391:1", KeyBlobMode.Kernel, KeyBlobError.None, 0, 0 },
        { "leading colon", "byte:8:58", KeyBlobMode.Strict, KeyBlobError.DescriptionNotLogonForm, 0, 8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Model_reports(string name, string mutation, KeyBlobMode mode, KeyBlobError error, int entry, int offset)
    {
        byte[] blob = Mutate(OneKey(), mutation);

        KeyBlobProblem problem = BlobModel.FirstProblem(blob, new KeyBlobReadOptions { ByteOrder = KeyBlobByteOrder.LittleEndian, Mode = mode }, out int count);

        KeyBlobProblem expected = error == KeyBlobError.None ? default : new KeyBlobProblem { Error = error, EntryIndex = entry, Offset = offset };
        Assert.True(expected == problem, $"{name}: expected {expected}, got {problem}");
        if (error == KeyBlobError.None)
        {
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(blob), (uint)count);
        }
    }

    [Fact]
    public void Model_finds_the_later_of_two_equal_descriptions()
    {
        byte[] two = new byte[4 + (388 * 2)];
        BinaryPrimitives.WriteUInt32LittleEndian(two, 2);
        foreach (int at in (int[])[4, 392])
        {
            BinaryPrimitives.WriteUInt32LittleEndian(two.AsSpan(at), 1);
            "a:b"u8.CopyTo(two.AsSpan(at + 4));
            two[at + 132] = 7;
        }

        Assert.Equal(new KeyBlobProblem { Error = KeyBlobError.DuplicateDescription, EntryIndex = 1, Offset = 392 + 4 }, BlobModel.FirstProblem(two, default, out _));
        Assert.Equal(default, BlobModel.FirstProblem(two, new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, out int count));
        Assert.Equal(2, count);
        Assert.Equal(new KeyBlobProblem { Error = KeyBlobError.TrailingBytes, EntryIndex = -1, Offset = two.Length }, BlobModel.FirstProblem([.. two, 0], new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel, RequireExactLength = true }, out _));
    }

    private static byte[] OneKey()
    {
        byte[] blob = new byte[392];
        BinaryPrimitives.WriteUInt32LittleEndian(blob, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 32);
        "cryptsetup:x"u8.CopyTo(blob.AsSpan(8));
        blob.AsSpan(136, 32).Fill(0x42);
        return blob;
    }

    private static byte[] Mutate(byte[] blob, string mutation)
    {
        string[] parts = mutation.Split(':');
        switch (parts[0])
        {
            case "":
                return blob;
            case "cut":
                return blob[..int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)];
            case "count":
                BinaryPrimitives.WriteUInt32LittleEndian(blob, uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                return blob;
            case "keysize":
                uint size = uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), size);
                blob.AsSpan(136, 256).Clear();
                blob.AsSpan(136, (int)Math.Min(size, 256)).Fill(0x42);
                return blob;
            case "fill":
                // A logon description of N bytes from offset 8 (it may run into data); key data after it stays.
                int length = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                byte[] text = Encoding.ASCII.GetBytes("c:" + new string('d', length - 2));
                text.CopyTo(blob.AsSpan(8));
                return blob;
            default:
                blob[int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)] = byte.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
                return blob;
        }
    }
}
