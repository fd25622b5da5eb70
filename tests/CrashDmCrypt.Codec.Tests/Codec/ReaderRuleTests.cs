using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// One row per rule: a description, the bytes, and the verdict in each mode. Boundary pairs
/// (accepted next to refused) sit side by side.
/// </summary>
public class ReaderRuleTests
{

    private static KeyBlobProblem P(KeyBlobError error, int entry, int offset) => new() { Error = error, EntryIndex = entry, Offset = offset };

    private sealed record Case(Func<byte[]> Make, KeyBlobProblem Strict, KeyBlobProblem Kernel, bool Exact = false);

    private static byte[] Two() => Blob(2);

    private static byte[] With(Action<byte[]> edit, int count = 2)
    {
        byte[] blob = Blob(count);
        edit(blob);
        return blob;
    }

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["empty input"] = new(() => [], P(KeyBlobError.TruncatedHeader, -1, 0), P(KeyBlobError.TruncatedHeader, -1, 0)),
        ["3 bytes"] = new(() => [1, 0, 0], P(KeyBlobError.TruncatedHeader, -1, 3), P(KeyBlobError.TruncatedHeader, -1, 3)),
        ["count 0"] = new(() => new byte[4], P(KeyBlobError.CountZero, -1, 0), default(KeyBlobProblem)),
        ["count 128, full size"] = new(() => Blob(128), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["count 129"] = new(() => { byte[] b = new byte[KeyBlobLayout.MaxBlobSize + KeyBlobLayout.EntrySize]; Blob(128).CopyTo(b, 0); PutU32(b, 0, 129); return b; }, P(KeyBlobError.CountTooLarge, -1, 0), P(KeyBlobError.CountTooLarge, -1, 0)),
        ["count 0x80000000 (top bit)"] = new(() => With(b => PutU32(b, 0, 0x8000_0000)), P(KeyBlobError.CountTooLarge, -1, 0), P(KeyBlobError.CountTooLarge, -1, 0)),
        ["count 0xffffffff"] = new(() => With(b => PutU32(b, 0, uint.MaxValue)), P(KeyBlobError.CountTooLarge, -1, 0), P(KeyBlobError.CountTooLarge, -1, 0)),
        ["big-endian blob read as little-endian"] = new(() => Blob(2, KeyBlobByteOrder.BigEndian), P(KeyBlobError.CountTooLarge, -1, 0), P(KeyBlobError.CountTooLarge, -1, 0)),
        ["2 entries, exact size"] = new(Two, default(KeyBlobProblem), default(KeyBlobProblem)),
        ["2 entries, one byte short"] = new(() => Two()[..^1], P(KeyBlobError.TruncatedEntries, -1, 779), P(KeyBlobError.TruncatedEntries, -1, 779)),
        ["count 2 with one entry of bytes"] = new(() => Two()[..392], P(KeyBlobError.TruncatedEntries, -1, 392), P(KeyBlobError.TruncatedEntries, -1, 392)),
        ["key_size 0"] = new(() => With(b => { PutU32(b, Entry(1), 0); b.AsSpan(Data(1), 256).Clear(); }), P(KeyBlobError.KeySizeZero, 1, Entry(1)), default(KeyBlobProblem)),
        ["key_size 1"] = new(() => With(b => { PutU32(b, Entry(1), 1); b.AsSpan(Data(1) + 1, 255).Clear(); }), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["key_size 256"] = new(() => With(b => PutU32(b, Entry(1), 256)), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["key_size 257"] = new(() => With(b => PutU32(b, Entry(1), 257)), P(KeyBlobError.KeySizeTooLarge, 1, Entry(1)), P(KeyBlobError.KeySizeTooLarge, 1, Entry(1))),
        ["key_size 0xffffffff"] = new(() => With(b => PutU32(b, Entry(0), uint.MaxValue)), P(KeyBlobError.KeySizeTooLarge, 0, Entry(0)), P(KeyBlobError.KeySizeTooLarge, 0, Entry(0))),
        ["description of 127 characters"] = new(() => With(b => PutDescription(b, 1, "c:" + new string('x', 125))), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["description fills all 128 bytes, NUL in data"] = new(() => With(b => b.AsSpan(Desc(1), 128).Fill((byte)'a')), P(KeyBlobError.DescriptionNotTerminated, 1, Desc(1)), default(KeyBlobProblem)),
        ["no NUL before the entry ends"] = new(() => With(b => b.AsSpan(Desc(1), 128 + 256).Fill((byte)'a')), P(KeyBlobError.DescriptionNotTerminated, 1, Desc(1)), P(KeyBlobError.DescriptionNotTerminated, 1, Desc(1))),
        ["empty description"] = new(() => With(b => PutDescription(b, 1, "")), P(KeyBlobError.DescriptionEmpty, 1, Desc(1)), default(KeyBlobProblem)),
        ["newline in description"] = new(() => With(b => PutDescription(b, 1, "cryptsetup:a\nb")), P(KeyBlobError.DescriptionContainsNewline, 1, Desc(1) + 12), default(KeyBlobProblem)),
        ["no colon"] = new(() => With(b => PutDescription(b, 1, "cryptsetup")), P(KeyBlobError.DescriptionNotLogonForm, 1, Desc(1)), default(KeyBlobProblem)),
        ["colon first"] = new(() => With(b => PutDescription(b, 1, ":uuid")), P(KeyBlobError.DescriptionNotLogonForm, 1, Desc(1)), default(KeyBlobProblem)),
        ["shortest logon form a:"] = new(() => With(b => PutDescription(b, 1, "a:")), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["stray byte after the description's NUL"] = new(() => With(b => b[Desc(1) + 127] = 1), P(KeyBlobError.DescriptionPaddingNotZero, 1, Desc(1) + 127), default(KeyBlobProblem)),
        ["stray byte in data after key_size"] = new(() => With(b => b[Data(1) + 200] = 0xff), P(KeyBlobError.KeyDataPaddingNotZero, 1, Data(1) + 200), default(KeyBlobProblem)),
        ["last data byte set, key_size 255"] = new(() => With(b => { PutU32(b, Entry(0), 255); b[Data(0) + 255] = 1; }), P(KeyBlobError.KeyDataPaddingNotZero, 0, Data(0) + 255), default(KeyBlobProblem)),
        ["last data byte set, key_size 256"] = new(() => With(b => { PutU32(b, Entry(0), 256); b[Data(0) + 255] = 1; }), default(KeyBlobProblem), default(KeyBlobProblem)),
        ["same description twice"] = new(() => With(b => PutDescription(b, 1, "cryptsetup:" + new Guid(1, 0x1234, 0x5678, 9, 8, 7, 6, 5, 4, 3, 2).ToString("D"))), P(KeyBlobError.DuplicateDescription, 1, Desc(1)), default(KeyBlobProblem)),
        ["trailing bytes allowed"] = new(() => [.. Two(), 0xAA, 0xBB], default(KeyBlobProblem), default(KeyBlobProblem)),
        ["trailing bytes, exact length required"] = new(() => [.. Two(), 0xAA], P(KeyBlobError.TrailingBytes, -1, 780), P(KeyBlobError.TrailingBytes, -1, 780), Exact: true),
        ["no trailing bytes, exact length required"] = new(Two, default(KeyBlobProblem), default(KeyBlobProblem), Exact: true),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Strict_mode(string name) => Check(Cases[name], KeyBlobMode.Strict, Cases[name].Strict);

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_mode(string name) => Check(Cases[name], KeyBlobMode.Kernel, Cases[name].Kernel);

    private static void Check(Case c, KeyBlobMode mode, KeyBlobProblem expected)
    {
        byte[] input = c.Make();

        var options = new KeyBlobReadOptions { ByteOrder = KeyBlobByteOrder.LittleEndian, Mode = mode, RequireExactLength = c.Exact };
        bool ok = KeyBlobReader.TryRead(input, options, out KeyBlob blob, out KeyBlobProblem problem);

        Assert.Equal(expected, problem);
        Assert.Equal(expected.Error == KeyBlobError.None, ok);
        Assert.InRange(problem.Offset, 0, input.Length);

        // CollectProblems reports the same first problem.
        var all = new KeyBlobProblem[16];
        int n = KeyBlobReader.CollectProblems(input, options, all);
        if (ok)
        {
            Assert.Equal(0, n);
        }
        else
        {
            Assert.Equal(problem, all[0]);
        }

        if (ok)
        {
            Assert.Equal(KeyBlobLayout.HeaderSize + (KeyBlobLayout.EntrySize * blob.Count), blob.Size);
        }
    }

    [Fact]
    public void Kernel_mode_description_without_NUL_in_its_field_runs_into_data()
    {
        byte[] input = With(b => b.AsSpan(Desc(1), 128).Fill((byte)'a'));
        Assert.True(KeyBlobReader.TryRead(input, new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, out KeyBlob blob, out _));
        KeyBlobEntry entry = blob[1];

        // The kernel's C string is 128 'a' and then the 64 key bytes (none of them 0) up to the data's first NUL.
        Assert.Equal(128 + 64, entry.Description.Length);
        Assert.True(entry.Description[..128].IndexOfAnyExcept((byte)'a') < 0);
        Assert.True(entry.Description[128..].SequenceEqual(entry.Key));
        Assert.Equal(0, entry.DescriptionWithTerminator[^1]);
        Assert.True(entry.DescriptionRunsIntoData);
        Assert.False(blob[0].DescriptionRunsIntoData);
    }

    [Fact]
    public void Collect_reports_every_problem_in_check_order()
    {
        byte[] input = Blob(3);
        PutU32(input, Entry(0), 0);                   // key_size 0 ...
        input[Data(0) + 3] = 9;                       // ... so its data bytes are stray
        PutDescription(input, 1, "nocolon");
        PutU32(input, Entry(2), 300);
        PutDescription(input, 2, "");

        var problems = new KeyBlobProblem[16];
        int n = KeyBlobReader.CollectProblems(input, default, problems);

        Assert.Equal(
            [
                P(KeyBlobError.KeySizeZero, 0, Entry(0)),
                P(KeyBlobError.KeyDataPaddingNotZero, 0, Data(0)),
                P(KeyBlobError.DescriptionNotLogonForm, 1, Desc(1)),
                P(KeyBlobError.KeySizeTooLarge, 2, Entry(2)),
                P(KeyBlobError.DescriptionEmpty, 2, Desc(2)),
            ],
            problems[..n]);
    }

    [Fact]
    public void Collect_counts_problems_beyond_the_destination()
    {
        byte[] input = Blob(4);
        for (int i = 0; i < 4; i++)
        {
            PutDescription(input, i, "dup:x");
        }

        var problems = new KeyBlobProblem[2];
        int n = KeyBlobReader.CollectProblems(input, default, problems);

        Assert.Equal(3, n);
        Assert.Equal(P(KeyBlobError.DuplicateDescription, 1, Desc(1)), problems[0]);
        Assert.Equal(P(KeyBlobError.DuplicateDescription, 2, Desc(2)), problems[1]);
    }

    [Fact]
    public void Duplicates_among_128_entries_name_every_later_copy()
    {
        byte[] input = Blob(128);
        PutDescription(input, 127, "cryptsetup:" + new Guid(6, 0x1234, 0x5678, 9, 8, 7, 6, 5, 4, 3, 2).ToString("D"));
        PutDescription(input, 64, "cryptsetup:" + new Guid(6, 0x1234, 0x5678, 9, 8, 7, 6, 5, 4, 3, 2).ToString("D"));

        var problems = new KeyBlobProblem[4];
        int n = KeyBlobReader.CollectProblems(input, default, problems);

        Assert.Equal([P(KeyBlobError.DuplicateDescription, 64, Desc(64)), P(KeyBlobError.DuplicateDescription, 127, Desc(127))], problems[..n]);
    }

    [Fact]
    public void Duplicates_are_found_when_every_description_looks_alike_to_the_hash()
    {
        // Same length, same first and last 8 bytes: only the middle differs, so the cheap hash collides
        // for all of them and the finder falls back to comparing bytes.
        static string Alike(int i) => $"cryptsetup:{i:x3}-------------tail-end";
        byte[] input = Blob(128);
        for (int i = 0; i < 128; i++)
        {
            PutDescription(input, i, Alike(i % 100));
        }

        var problems = new KeyBlobProblem[64];
        int n = KeyBlobReader.CollectProblems(input, default, problems);

        Assert.Equal(28, n);
        Assert.Equal(Enumerable.Range(100, 28).Select(i => P(KeyBlobError.DuplicateDescription, i, Desc(i))), problems[..n]);
        Assert.True(KeyBlobReader.TryRead(input.AsSpan(0, Entry(100)).ToArray().Also(b => PutU32(b, 0, 100)), out _, out KeyBlobProblem none), none.ToString());
    }

    [Fact]
    public void Big_endian_blob_reads_with_big_endian_option()
    {
        byte[] input = Blob(2, KeyBlobByteOrder.BigEndian);
        Assert.Equal([0, 0, 0, 2], input[..4]);
        Assert.Equal([0, 0, 0, 64], input[4..8]);
        Assert.True(KeyBlobReader.TryRead(input, new KeyBlobReadOptions { ByteOrder = KeyBlobByteOrder.BigEndian }, out KeyBlob blob, out _));
        Assert.Equal(2, blob.Count);
        Assert.Equal(64, blob[1].KeySize);
    }

    [Fact]
    public void Entries_are_slices_of_the_input_not_copies()
    {
        byte[] input = Blob(3);
        Assert.True(KeyBlobReader.TryRead(input, out KeyBlob blob, out _));
        Assert.True(Unsafe_AreSame(input.AsSpan(0), blob.Bytes));
        foreach (KeyBlobEntry entry in blob)
        {
            Assert.True(Unsafe_AreSame(input.AsSpan(entry.Offset + KeyBlobLayout.DescriptionOffset), entry.Description));
            Assert.True(Unsafe_AreSame(input.AsSpan(entry.Offset + KeyBlobLayout.DataOffset), entry.Key));
            Assert.Equal(Encoding.ASCII.GetBytes("cryptsetup:"), entry.Description[..11].ToArray());
        }

        // A write through the input shows through the view.
        input[Data(2)] ^= 0xff;
        Assert.Equal(input[Data(2)], blob[2].Key[0]);
    }

    private static bool Unsafe_AreSame(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b));

    [Fact]
    public void Undefined_options_are_caller_misuse()
    {
        byte[] input = Two();
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.TryRead(input, new KeyBlobReadOptions { ByteOrder = (KeyBlobByteOrder)2 }, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobReader.TryRead(input, new KeyBlobReadOptions { Mode = (KeyBlobMode)7 }, out _, out _));
    }

    [Fact]
    public void Indexer_outside_the_blob_is_caller_misuse()
    {
        byte[] input = Two();
        Assert.True(KeyBlobReader.TryRead(input, out KeyBlob blob, out _));
        int count = blob.Count;
        Assert.Throws<ArgumentOutOfRangeException>(() => { KeyBlobReader.TryRead(input, out KeyBlob b, out _); _ = b[count]; });
        Assert.Throws<ArgumentOutOfRangeException>(() => { KeyBlobReader.TryRead(input, out KeyBlob b, out _); _ = b[-1]; });
    }

    [Fact]
    public void Problem_text_carries_code_entry_and_offset_but_no_bytes()
    {
        var problem = P(KeyBlobError.KeySizeTooLarge, 3, 1168);
        Assert.Equal("CDC006", problem.Code);
        Assert.Equal("CDC006 entry 3 at offset 1168: key is longer than 256 bytes (KEY_SIZE_MAX): the first kernel refuses it, and a restore would read past the entry", problem.ToString());
        Assert.Equal("CDC000: no error", default(KeyBlobProblem).ToString());
        Assert.StartsWith("CDC001 header at offset 0", P(KeyBlobError.TruncatedHeader, -1, 0).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_has_a_distinct_code_and_message()
    {
        KeyBlobError[] all = Enum.GetValues<KeyBlobError>();
        Assert.Equal(all.Length, all.Select(KeyBlobErrors.GetCode).Distinct().Count());
        Assert.Equal(all.Length, all.Select(KeyBlobErrors.GetMessage).Distinct().Count());
        Assert.All(all, e => Assert.Equal($"CDC{(int)e:000}", KeyBlobErrors.GetCode(e)));
    }

    // Issue 12: enumeration read key_size and searched for the NUL again, so memory that changed after validation
    // (/dev/mem, shared memory) made it slice past the entry and throw. Each validated field is now read once.
    [Theory]
    [InlineData(KeyBlobMode.Strict)]
    [InlineData(KeyBlobMode.Kernel)]
    public void Bytes_that_change_after_validation_do_not_change_what_enumeration_bounds(KeyBlobMode mode)
    {
        byte[] input = Blob([Key("cryptsetup:a", 32), Key("cryptsetup:bb", 64)]);
        Assert.True(KeyBlobReader.TryRead(input, new KeyBlobReadOptions { Mode = mode }, out KeyBlob blob, out _));

        for (int i = 0; i < 2; i++)
        {
            int entry = KeyBlobLayout.GetEntryOffset(i);
            input.AsSpan(entry + KeyBlobLayout.KeySizeOffset, 4).Fill(0xFF);
            input.AsSpan(entry + KeyBlobLayout.DescriptionOffset, KeyBlobLayout.EntrySize - KeyBlobLayout.DescriptionOffset).Fill((byte)'x');
        }

        int[] keySizes = [32, 64];
        int[] descriptionLengths = ["cryptsetup:a".Length, "cryptsetup:bb".Length];
        int seen = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            Assert.Equal(keySizes[entry.Index], entry.KeySize);
            Assert.Equal(descriptionLengths[entry.Index], entry.Description.Length);
            Assert.Equal(descriptionLengths[entry.Index] + 1, entry.DescriptionWithTerminator.Length);
            seen++;
        }

        Assert.Equal(2, seen);
        Assert.Equal(64, blob[1].Key.Length);
    }
}
