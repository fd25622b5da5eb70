using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// Behaviour that mutants survived in the first Stryker run (eng/mutation.sh codec), through the public API only,
/// so the tests hold across rewrites of the reader's and writer's internals. See eng/stryker/README.md.
/// </summary>
public class MutationKillTests
{
    private static readonly KeyBlobReadOptions Strict = new() { Mode = KeyBlobMode.Strict };
    private static readonly KeyBlobReadOptions Kernel = new() { Mode = KeyBlobMode.Kernel };

    private static KeyBlobProblem P(KeyBlobError error, int entry, int offset) => new() { Error = error, EntryIndex = entry, Offset = offset };

    private static KeyBlobProblem[] Collect(byte[] blob, KeyBlobReadOptions options)
    {
        var problems = new KeyBlobProblem[16];
        int count = KeyBlobReader.CollectProblems(blob, options, problems);
        return problems[..Math.Min(count, problems.Length)];
    }

    [Fact]
    public void Every_blob_error_has_its_own_message_and_unknown_values_say_so()
    {
        KeyBlobError[] errors = Enum.GetValues<KeyBlobError>();
        foreach (KeyBlobError error in errors)
        {
            string message = KeyBlobErrors.GetMessage(error);
            Assert.False(string.IsNullOrWhiteSpace(message), error.ToString());
            Assert.NotEqual("unknown error", message);
        }

        Assert.Equal(errors.Length, errors.Select(KeyBlobErrors.GetMessage).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("unknown error", KeyBlobErrors.GetMessage((KeyBlobError)99));
    }

    [Fact]
    public void Undefined_options_are_caller_bugs_named_in_the_exception()
    {
        var order = Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.TryRead(Valid(), new KeyBlobReadOptions { ByteOrder = (KeyBlobByteOrder)9 }, out _, out _));
        Assert.Contains("byte order", order.Message, StringComparison.Ordinal);
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.CollectProblems(Valid(), new KeyBlobReadOptions { Mode = (KeyBlobMode)9 }, new KeyBlobProblem[1]));
        Assert.Contains("mode", mode.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadCount_needs_four_bytes_and_reads_only_the_count()
    {
        Assert.False(KeyBlobReader.TryReadCount([7, 0, 0], KeyBlobByteOrder.LittleEndian, out uint count));
        Assert.Equal(0u, count);
        Assert.True(KeyBlobReader.TryReadCount([7, 0, 0, 0], KeyBlobByteOrder.LittleEndian, out count));
        Assert.Equal(7u, count);
        Assert.True(KeyBlobReader.TryReadCount([0, 0, 0, 7, 0xff], KeyBlobByteOrder.BigEndian, out count));
        Assert.Equal(7u, count);
    }

    [Fact]
    public void An_entry_s_problems_are_all_collected_after_an_unterminated_description()
    {
        byte[] blob = Valid().Also(b =>
        {
            b.AsSpan(Desc(0), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'a');
            b[Data(0) + 64] = 1;
        });
        Assert.Equal([P(KeyBlobError.DescriptionNotTerminated, 0, Desc(0)), P(KeyBlobError.KeyDataPaddingNotZero, 0, Data(0) + 64)], Collect(blob, Strict));
    }

    [Fact]
    public void An_entry_s_problems_are_all_collected_after_an_empty_description()
    {
        byte[] blob = Valid().Also(b => { PutDescription(b, 0, ""); b[Data(0) + 64] = 1; });
        Assert.Equal([P(KeyBlobError.DescriptionEmpty, 0, Desc(0)), P(KeyBlobError.KeyDataPaddingNotZero, 0, Data(0) + 64)], Collect(blob, Strict));
    }

    [Fact]
    public void A_newline_first_is_reported_and_checking_goes_on()
    {
        byte[] blob = Valid().Also(b => PutDescription(b, 0, "\nab"));
        Assert.Equal([P(KeyBlobError.DescriptionContainsNewline, 0, Desc(0)), P(KeyBlobError.DescriptionNotLogonForm, 0, Desc(0))], Collect(blob, Strict));
    }

    [Fact]
    public void A_stray_byte_right_after_the_NUL_is_padding_not_zero()
    {
        byte[] blob = Valid().Also(b => PutDescription(b, 1, "a:b\0X"));
        Assert.False(KeyBlobReader.TryRead(blob, out _, out KeyBlobProblem problem));
        Assert.Equal(P(KeyBlobError.DescriptionPaddingNotZero, 1, Desc(1) + 4), problem);
    }

    [Fact]
    public void Trailing_bytes_are_found_after_a_duplicate_check_that_finds_none()
    {
        byte[] blob = [.. Valid(), 0];
        Assert.False(KeyBlobReader.TryRead(blob, Strict with { RequireExactLength = true }, out _, out KeyBlobProblem problem));
        Assert.Equal(P(KeyBlobError.TrailingBytes, -1, blob.Length - 1), problem);
    }

    [Fact]
    public void Collecting_goes_on_from_duplicates_to_trailing_bytes()
    {
        byte[] blob = [.. Valid().Also(b => PutDescription(b, 1, TwoKeys[0].Description)), 0];
        Assert.Equal(
            [P(KeyBlobError.DuplicateDescription, 1, Desc(1)), P(KeyBlobError.TrailingBytes, -1, blob.Length - 1)],
            Collect(blob, Strict with { RequireExactLength = true }));
    }

    [Fact]
    public void Two_empty_descriptions_are_also_duplicates()
    {
        byte[] blob = Valid().Also(b => { PutDescription(b, 0, ""); PutDescription(b, 1, ""); });
        Assert.Equal(
            [P(KeyBlobError.DescriptionEmpty, 0, Desc(0)), P(KeyBlobError.DescriptionEmpty, 1, Desc(1)), P(KeyBlobError.DuplicateDescription, 1, Desc(1))],
            Collect(blob, Strict));
    }

    [Fact]
    public void Description_rules_report_entry_0_s_offsets()
    {
        var problems = new KeyBlobProblem[4];
        Assert.Equal(1, KeyBlobWriter.CollectDescriptionProblems([], problems));
        Assert.Equal(P(KeyBlobError.DescriptionEmpty, 0, Desc(0)), problems[0]);
    }

    [Theory]
    [InlineData("\na:b", KeyBlobError.DescriptionContainsNewline)]
    [InlineData("\0a:b", KeyBlobError.DescriptionContainsNul)]
    public void The_writer_refuses_a_newline_or_NUL_as_the_first_byte(string description, KeyBlobError error)
    {
        Assert.False(KeyBlobWriter.TryValidate([new KeyBlobKey(Encoding.ASCII.GetBytes(description), new byte[] { 1 })], out KeyBlobProblem problem));
        Assert.Equal(P(error, 0, Desc(0)), problem);
    }

    [Fact]
    public void The_indexer_refuses_indexes_outside_the_blob()
    {
        byte[] blob = Valid();
        Assert.True(KeyBlobReader.TryRead(blob, out KeyBlob read, out _));
        Assert.Equal(1, read[1].Index);
        bool negative = false, pastEnd = false;
        try { _ = read[-1]; } catch (ArgumentOutOfRangeException) { negative = true; }
        try { _ = read[2]; } catch (ArgumentOutOfRangeException) { pastEnd = true; }
        Assert.True(negative);
        Assert.True(pastEnd);
    }

    [Fact]
    public void GetEntryOffset_refuses_indexes_outside_KEY_NUM_MAX()
    {
        Assert.Equal(KeyBlobLayout.HeaderSize + (127 * KeyBlobLayout.EntrySize), KeyBlobLayout.GetEntryOffset(127));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobLayout.GetEntryOffset(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobLayout.GetEntryOffset(128));
    }

    [Fact]
    public void A_127_byte_description_ends_inside_its_field()
    {
        byte[] blob = Valid().Also(b => PutDescription(b, 0, "a:" + new string('x', 125)));
        Assert.True(KeyBlobReader.TryRead(blob, Kernel, out KeyBlob read, out _));
        Assert.Equal(KeyBlobLayout.DescriptionFieldLength, read[0].DescriptionWithTerminator.Length);
        Assert.False(read[0].DescriptionRunsIntoData);
    }

    [Fact]
    public void A_problem_of_entry_0_is_printed_as_an_entry_problem()
    {
        Assert.Equal($"CDC005 entry 0 at offset {Entry(0)}: {KeyBlobErrors.GetMessage(KeyBlobError.KeySizeZero)}", P(KeyBlobError.KeySizeZero, 0, Entry(0)).ToString());
    }

    [Fact]
    public void A_secret_buffer_refuses_a_negative_length_and_use_after_dispose()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SecretBuffer(-1));
        var buffer = new SecretBuffer(4);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.Memory);
    }
}
