using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Tests;

public sealed class CommonHelperTests
{
    [InProcessTheory]
    [InlineData("0", 0L)]
    [InlineData("4096", 4096L)]
    [InlineData("0x1000", 4096L)]
    [InlineData("0XfFfF", 65535L)]
    [InlineData("007", 7L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("0x7fffffffffffffff", long.MaxValue)]
    public void Offset_accepts_decimal_and_0x_hex(string text, long expected)
    {
        Assert.True(CliOptions.TryParseNumber(text, long.MaxValue, out ulong value));
        Assert.Equal((ulong)expected, value);
    }

    [InProcessTheory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("0x")]
    [InlineData("0x+1")]
    [InlineData("0x 1")]
    [InlineData("1k")]
    [InlineData("9223372036854775808")]
    [InlineData("0x8000000000000000")]
    [InlineData("0xffffffffffffffff")]
    [InlineData("1e3")]
    public void Offset_refuses_signs_spaces_suffixes_and_overflow(string text) =>
        Assert.False(CliOptions.TryParseNumber(text, long.MaxValue, out _));

    // Addresses use the same parser with the whole 64-bit range: 2^64 - 1 is the boundary.
    [InProcessTheory]
    [InlineData("0xffffffffffffffff", true)]
    [InlineData("18446744073709551615", true)]
    [InlineData("0x10000000000000000", false)]
    [InlineData("18446744073709551616", false)]
    [InlineData("-0", false)]
    public void Addresses_take_the_whole_64_bit_range(string text, bool accepted) =>
        Assert.Equal(accepted, CliOptions.TryParseNumber(text, ulong.MaxValue, out _));

    [InProcessTheory]
    [InlineData(new byte[] { 0x73, 0x3a, 0x61 }, "s:a")]
    [InlineData(new byte[] { 0x20, 0x7e }, " ~")]
    [InlineData(new byte[] { 0x5c }, @"\\")]
    [InlineData(new byte[] { 0x1f, 0x7f, 0x0a, 0x00 }, @"\x1f\x7f\x0a\x00")]
    [InlineData(new byte[] { 0x63, 0x6c, 0xc3, 0xa9 }, "cl\u00e9")]
    [InlineData(new byte[] { 0xe2, 0x82, 0xac }, "\u20ac")]
    [InlineData(new byte[] { 0xc3 }, @"\xc3")]
    [InlineData(new byte[] { 0xc3, 0x41 }, @"\xc3A")]
    [InlineData(new byte[] { 0xff, 0xfe }, @"\xff\xfe")]
    [InlineData(new byte[] { 0xc2, 0x85 }, @"\xc2\x85")]
    [InlineData(new byte[] { 0xe2, 0x80, 0xae }, @"\xe2\x80\xae")]
    [InlineData(new byte[] { 0xe2, 0x80, 0xa8 }, @"\xe2\x80\xa8")]
    [InlineData(new byte[] { 0xee, 0x80, 0x80 }, @"\xee\x80\x80")]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 }, @"\xed\xa0\x80")]
    [InlineData(new byte[] { 0x5c, 0x78, 0x34, 0x31 }, @"\\x41")]
    [InlineData(new byte[0], "")]
    public void Descriptions_show_printable_utf8_and_escape_everything_else(byte[] description, string expected) =>
        Assert.Equal(expected, DescriptionText.Escape(description));

    [InProcessTheory]
    [InlineData("svc:a=hex:00ff", "svc:a", false, "00ff")]
    [InlineData("svc:a=@/k", "svc:a", true, "/k")]
    [InlineData("a=b:c=@x=y", "a=b:c", true, "x=y")]
    [InlineData("svc:x=@y=hex:00", "svc:x", true, "y=hex:00")]
    [InlineData("=hex:", "", false, "")]
    [InlineData("svc:a=HEX:00", null, false, null)]
    [InlineData("svc:a=00", null, false, null)]
    [InlineData("svc:a", null, false, null)]
    public void Key_arguments_split_at_the_first_equals_before_hex_or_at(string text, string? description, bool isFile, string? value)
    {
        bool split = KeyArgument.TrySplit(text, out string actualDescription, out KeyArgument.Source actualSource, out int start);
        Assert.Equal(description is not null, split);
        if (split)
        {
            Assert.Equal(description, actualDescription);
            Assert.Equal(isFile ? KeyArgument.Source.File : KeyArgument.Source.Hex, actualSource);
            Assert.Equal(value, text[start..]);
        }
    }

    [InProcessTheory]
    [InlineData("", new byte[0])]
    [InlineData("00", new byte[] { 0 })]
    [InlineData("aBcD", new byte[] { 0xab, 0xcd })]
    public void Hex_decodes_into_a_pinned_buffer(string hex, byte[] expected)
    {
        Assert.True(KeyHex.TryDecode(hex, out SecretBuffer? key));
        using (key)
        {
            Assert.Equal(expected, key.Span.ToArray());
        }

        // Dispose cleared it.
        Assert.Throws<ObjectDisposedException>(() => key.Span.Length);
    }

    [InProcessTheory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("zz")]
    [InlineData("0x00")]
    [InlineData("00 11")]
    public void Hex_refuses_odd_or_non_hex_text(string hex) =>
        Assert.False(KeyHex.TryDecode(hex, out _));

    [InProcessFact]
    public void Hex_writes_lowercase()
    {
        using var text = new StringWriter();
        KeyHex.Write(text, [0xab, 0x01, 0xff]);
        Assert.Equal("ab01ff", text.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyHex.Write(text, new byte[257]));
    }

    [InProcessFact]
    public void Pinned_buffer_writer_grows_keeps_its_bytes_and_clears_on_dispose()
    {
        var writer = new PinnedBufferWriter(capacity: 4);
        for (int i = 0; i < 100; i++)
        {
            Span<byte> span = writer.GetSpan(3);
            Assert.True(span.Length >= 3);
            span[0] = (byte)i;
            writer.Advance(1);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i), writer.WrittenSpan.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(1_000_000));
        writer.Dispose();
        Assert.Equal(0, writer.WrittenSpan.Length);
    }

    [InProcessFact]
    public void Pinned_file_reads_a_window_from_an_offset()
    {
        using var dir = new TempDirectory();
        string file = dir.Write("f", Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());

        Assert.True(PinnedFile.TryRead(file, 10, 5, out SecretBuffer? window, out _));
        using (window)
        {
            Assert.Equal([10, 11, 12, 13, 14], window.Span.ToArray());
        }

        Assert.True(PinnedFile.TryRead(file, 98, 5, out SecretBuffer? tail, out _));
        using (tail)
        {
            Assert.Equal([98, 99], tail.Span.ToArray());
        }

        Assert.True(PinnedFile.TryRead(file, 100, 5, out SecretBuffer? empty, out _));
        using (empty)
        {
            Assert.Equal(0, empty.Length);
        }

        Assert.False(PinnedFile.TryRead(file, 101, 5, out _, out string? error));
        Assert.Contains("past the end", error, StringComparison.Ordinal);
    }

    [InProcessFact]
    public void Atomic_file_replaces_the_target_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string target = dir.Write("out", [9, 9, 9, 9, 9]);

        Assert.True(AtomicFile.TryWrite(target, [1, 2], out _));

        Assert.Equal([1, 2], File.ReadAllBytes(target));
        Assert.Equal(["out"], dir.FileNames());
        Assert.False(AtomicFile.TryWrite(dir.Path + "/", [1], out string? error));
        Assert.Contains("not a file name", error, StringComparison.Ordinal);
    }

    [InProcessFact]
    public void Byte_order_and_mode_names_match_the_option_words()
    {
        Assert.Equal("little", CliOptions.Name(KeyBlobByteOrder.LittleEndian));
        Assert.Equal("big", CliOptions.Name(KeyBlobByteOrder.BigEndian));
        Assert.Equal("strict", CliOptions.Name(KeyBlobMode.Strict));
        Assert.Equal("kernel", CliOptions.Name(KeyBlobMode.Kernel));
    }
}
