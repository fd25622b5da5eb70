using System.Buffers;
using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// Behaviour that survivors of the second Stryker run (after issue 10) changed, through the public API. See
/// eng/stryker/README.md.
/// </summary>
public class MutationKillTests2
{
    private static KeyBlobProblem P(KeyBlobError error, int entry, int offset) => new() { Error = error, EntryIndex = entry, Offset = offset };

    private static KeyBlobProblem[] Collect(byte[] blob)
    {
        var problems = new KeyBlobProblem[16];
        int count = KeyBlobReader.CollectProblems(blob, default, problems);
        return problems[..Math.Min(count, problems.Length)];
    }

    [Fact]
    public void The_indexer_names_the_index_for_a_negative_one_and_for_one_at_the_count()
    {
        Assert.True(KeyBlobReader.TryRead(Valid(), out KeyBlob blob, out _));
        foreach (int index in new[] { -1, 2, 128 })
        {
            ArgumentOutOfRangeException? thrown = null;
            try
            {
                _ = blob[index];
            }
            catch (ArgumentOutOfRangeException e)
            {
                thrown = e;
            }

            Assert.NotNull(thrown);
            Assert.Equal("index", thrown.ParamName);
            Assert.Equal(index, thrown.ActualValue);
            Assert.StartsWith("Not an entry of this blob.", thrown.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Two_identical_unterminated_descriptions_are_not_duplicates()
    {
        // Neither has a description to compare (no NUL in the field): each is reported once, as not terminated.
        byte[] blob = Valid().Also(b =>
        {
            b.AsSpan(Desc(0), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'a');
            b.AsSpan(Desc(1), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'a');
        });
        Assert.Equal([P(KeyBlobError.DescriptionNotTerminated, 0, Desc(0)), P(KeyBlobError.DescriptionNotTerminated, 1, Desc(1))], Collect(blob));
    }

    [Fact]
    public void An_unterminated_description_is_no_duplicate_of_a_terminated_one_either()
    {
        byte[] blob = Valid().Also(b =>
        {
            PutDescription(b, 0, "");
            b.AsSpan(Desc(1), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'a');
        });
        Assert.Equal([P(KeyBlobError.DescriptionEmpty, 0, Desc(0)), P(KeyBlobError.DescriptionNotTerminated, 1, Desc(1))], Collect(blob));
    }

    [Fact]
    public void Two_entries_with_one_description_are_duplicates_for_the_reader_and_the_writer()
    {
        byte[] blob = Valid().Also(b => PutDescription(b, 1, TwoKeys[0].Description));
        Assert.False(KeyBlobReader.TryRead(blob, out _, out KeyBlobProblem read));
        Assert.Equal(P(KeyBlobError.DuplicateDescription, 1, Desc(1)), read);

        KeyBlobKey[] keys = [Key("same:name", 32), Key("same:name", 16, seed: 9)];
        Assert.False(KeyBlobWriter.TryValidate(keys, out KeyBlobProblem written));
        Assert.Equal(P(KeyBlobError.DuplicateDescription, 1, Desc(1)), written);
        var all = new KeyBlobProblem[4];
        Assert.Equal(1, KeyBlobWriter.CollectProblems(keys, all));
        Assert.Equal(P(KeyBlobError.DuplicateDescription, 1, Desc(1)), all[0]);
    }

    [Fact]
    public void The_writer_reports_only_the_count_for_no_keys_and_for_too_many()
    {
        var all = new KeyBlobProblem[4];
        Assert.Equal(1, KeyBlobWriter.CollectProblems([], all));
        Assert.Equal(P(KeyBlobError.CountZero, -1, KeyBlobLayout.CountOffset), all[0]);

        // 129 keys that are all invalid and all alike: only the count is reported, no key is looked at.
        KeyBlobKey[] tooMany = Enumerable.Repeat(new KeyBlobKey(Encoding.ASCII.GetBytes("no-colon"), ReadOnlyMemory<byte>.Empty), KeyBlobLayout.MaxKeys + 1).ToArray();
        Assert.Equal(1, KeyBlobWriter.CollectProblems(tooMany, all));
        Assert.Equal(P(KeyBlobError.CountTooLarge, -1, KeyBlobLayout.CountOffset), all[0]);
    }

    [Fact]
    public void A_key_size_above_256_is_reported_once_without_a_padding_check()
    {
        // Every data byte is set, so a padding check after the 256 bytes the kernel would read would find nothing
        // to report either way; the key size is the entry's only problem.
        byte[] blob = Valid().Also(b =>
        {
            SetKeySize(b, 0, 300);
            b.AsSpan(Data(0), KeyBlobLayout.DataLength).Fill(0xAB);
        });
        Assert.Equal([P(KeyBlobError.KeySizeTooLarge, 0, Entry(0))], Collect(blob));
    }

    // Hands out one buffer to the first two GetSpan calls (MemoryManager.Memory takes one for the length, the writer's
    // check the other) and another to every later call: memory that another thread changes between check and copy.
    private sealed class ChangingMemory(byte[] first, byte[] later) : MemoryManager<byte>
    {
        private int _calls;

        public override Span<byte> GetSpan() => _calls++ < 2 ? first : later;

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    [Fact]
    public void A_key_set_refuses_keys_that_changed_while_they_were_copied()
    {
        var description = new ChangingMemory(Encoding.ASCII.GetBytes("luks:disk"), Encoding.ASCII.GetBytes("luks\ndisk"));
        KeyBlobKey[] keys = [new KeyBlobKey(description.Memory, new byte[] { 1, 2, 3 })];

        var thrown = Assert.Throws<InvalidOperationException>(() => KeyBlobKeySet.TryCreate(keys, out _, out _));
        Assert.Contains("changed", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_set_writes_into_a_destination_of_exactly_its_size()
    {
        Assert.True(KeyBlobKeySet.TryCreate(Keys(2), out KeyBlobKeySet? keySet, out _));
        using (keySet)
        {
            byte[] destination = new byte[keySet.Size];
            Assert.Equal(OperationStatus.Done, keySet.Write(destination, default, out int written));
            Assert.Equal(keySet.Size, written);
            Assert.Equal(Blob(Keys(2)), destination);
        }
    }

    private static readonly KeyBlobReadOptions Kernel = new() { Mode = KeyBlobMode.Kernel };

    [Fact]
    public void An_entry_with_a_problem_still_takes_part_in_the_duplicate_check()
    {
        // Entry 1 repeats entry 0's description and has a stray padding byte: both problems are reported.
        byte[] blob = Valid().Also(b =>
        {
            PutDescription(b, 1, TwoKeys[0].Description);
            b[Data(1) + KeyBlobLayout.DataLength - 1] = 7;
        });
        Assert.Equal(
            [P(KeyBlobError.KeyDataPaddingNotZero, 1, Data(1) + KeyBlobLayout.DataLength - 1), P(KeyBlobError.DuplicateDescription, 1, Desc(1))],
            Collect(blob));
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("")]
    public void Kernel_mode_takes_the_NUL_in_the_field_and_does_not_search_data_for_another(string description)
    {
        // key_size above 256 sends the entry to the rule-by-rule checks; data holds no zero byte at all, so reading on
        // into data would find no NUL and report the description as not terminated.
        byte[] blob = Valid().Also(b =>
        {
            SetKeySize(b, 0, 300);
            PutDescription(b, 0, description);
            b.AsSpan(Data(0), KeyBlobLayout.DataLength).Fill(0xFF);
        });
        var problems = new KeyBlobProblem[4];
        int count = KeyBlobReader.CollectProblems(blob, Kernel, problems);
        Assert.Equal([P(KeyBlobError.KeySizeTooLarge, 0, Entry(0))], problems[..count]);
    }

    [Fact]
    public void Kernel_mode_finds_a_NUL_at_the_first_byte_of_data()
    {
        // No NUL in the 128-byte field; the kernel reads the C string on into data, whose first (key) byte is 0.
        byte[] blob = Valid().Also(b =>
        {
            b.AsSpan(Desc(0), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'k');
            b[Data(0)] = 0;
        });
        Assert.True(KeyBlobReader.TryRead(blob, Kernel, out KeyBlob read, out KeyBlobProblem problem), problem.ToString());
        Assert.Equal(KeyBlobLayout.DescriptionFieldLength, read[0].Description.Length);
        Assert.True(read[0].DescriptionRunsIntoData);
    }

    [Fact]
    public void A_256_byte_key_is_not_too_large_when_its_description_has_a_problem()
    {
        var all = new KeyBlobProblem[4];
        int count = KeyBlobWriter.CollectProblems([Key("no-colon", KeyBlobLayout.MaxKeySize)], all);
        Assert.Equal([P(KeyBlobError.DescriptionNotLogonForm, 0, Desc(0))], all[..count]);
    }

    [Fact]
    public void A_destination_of_exactly_the_count_or_the_entry_is_large_enough()
    {
        var options = new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.BigEndian };
        byte[] count = new byte[KeyBlobLayout.CountLength];
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteCount(2, count, options));
        Assert.Equal(Valid(KeyBlobByteOrder.BigEndian)[..KeyBlobLayout.CountLength], count);

        byte[] entry = new byte[KeyBlobLayout.EntrySize];
        Assert.Equal(OperationStatus.Done, KeyBlobWriter.WriteEntry(Key("a:b", 32), entry, options, out KeyBlobProblem problem));
        Assert.Equal(default, problem);
        Assert.Equal(Blob([Key("a:b", 32)], KeyBlobByteOrder.BigEndian)[Entry(0)..], entry);
    }

    [Fact]
    public void A_set_of_128_keys_has_no_count_problem_beside_an_entry_problem()
    {
        KeyBlobKey[] keys = Keys(KeyBlobLayout.MaxKeys);
        keys[^1] = Key("no-colon", 64);
        var all = new KeyBlobProblem[4];
        int count = KeyBlobWriter.CollectProblems(keys, all);
        Assert.Equal([P(KeyBlobError.DescriptionNotLogonForm, KeyBlobLayout.MaxKeys - 1, Desc(KeyBlobLayout.MaxKeys - 1))], all[..count]);
    }
}
