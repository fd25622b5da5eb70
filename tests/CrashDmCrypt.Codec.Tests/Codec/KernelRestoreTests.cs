using System.Globalization;
using System.Text;
using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// What the kdump kernel adds, entry by entry (<see cref="KeyBlobKernelRestore"/>): one row per hostile blob of the
/// real-kernel lab's table (issue 19, scenario 3), each written as the kernel's outcome. Kernel lines:
/// kernel/crash_dump_dm_crypt.c:101-146 (restore), :64-85 (add_key_to_keyring), security/keys/key.c:806-986
/// (create-or-update, strlen at :865), security/keys/keyring.c:1308 (BUG_ON on an empty description), security/keys/user_defined.c:64 (1..32767 bytes).
/// </summary>
public class KernelRestoreTests
{
    // Blob(2): descriptions "cryptsetup:<guid>" (47 bytes), 64-byte keys with no zero byte.
    private static byte[] With(Action<byte[]> edit, int count = 2)
    {
        byte[] blob = Blob(count);
        edit(blob);
        return blob;
    }

    private static readonly Dictionary<string, (Func<byte[]> Make, string Expected)> Cases = new()
    {
        ["two valid keys"] = (() => Blob(2), "780: 0 created d=47 k=64 | 1 created d=47 k=64"),
        ["count 0 (the kernel adds nothing, no fault)"] = (() => new byte[4], "4:"),
        ["count 129: -1 before kzalloc (:119-123)"] = (() => With(b => SetCount(b, 129)), "CountTooLarge 129"),
        ["count 0xffffffff"] = (() => With(b => SetCount(b, uint.MaxValue)), "CountTooLarge 4294967295"),
        ["big-endian blob on a little-endian kernel"] = (() => Blob(2, KeyBlobByteOrder.BigEndian), "CountTooLarge 33554432"),
        ["3 bytes"] = (() => [1, 0, 0], "CountNotInInput 0"),
        ["key_size 0 in entry 1 (user_preparse)"] = (() => With(b => SetKeySize(b, 1, 0)), "780: 0 created d=47 k=64 | 1 refused KeySizeZero EINVAL"),
        ["key_size 1"] = (() => With(b => SetKeySize(b, 1, 1)), "780: 0 created d=47 k=64 | 1 created d=47 k=1"),
        ["key_size 256"] = (() => With(b => SetKeySize(b, 1, 256)), "780: 0 created d=47 k=64 | 1 created d=47 k=256"),
        ["key_size 257 in the last entry: one byte past the blob"] = (() => With(b => SetKeySize(b, 1, 257)), "780: 0 created d=47 k=64 | 1 created d=47 k=257 entry+1 blob+1"),
        ["key_size 300 in the last entry"] = (() => With(b => SetKeySize(b, 1, 300)), "780: 0 created d=47 k=64 | 1 created d=47 k=300 entry+44 blob+44"),
        ["key_size 300 in entry 0: reads entry 1, not past the blob"] = (() => With(b => SetKeySize(b, 0, 300)), "780: 0 created d=47 k=300 entry+44 | 1 created d=47 k=64"),
        ["key_size 32767 in the last entry"] = (() => With(b => SetKeySize(b, 1, 32767)), "780: 0 created d=47 k=64 | 1 created d=47 k=32767 entry+32511 blob+32511"),
        ["key_size 32768: only that entry fails"] = (() => With(b => SetKeySize(b, 0, 32768)), "780: 0 refused KeySizeTooLarge EINVAL | 1 created d=47 k=64"),
        ["key_size 40000"] = (() => With(b => SetKeySize(b, 1, 40000)), "780: 0 created d=47 k=64 | 1 refused KeySizeTooLarge EINVAL"),
        // __key_link_begin's BUG_ON(desc_len == 0) (security/keys/keyring.c:1308) comes before key_alloc's EINVAL:
        // an oops on Linux 7.2.13 in the real-kernel lab; nothing after the entry is handled.
        ["empty description: the kernel BUGs (keyring.c:1308)"] = (() => With(b => PutDescription(b, 1, string.Empty)), "780 BUG: 0 created d=47 k=64 | 1 BUG_ON(desc_len == 0)"),
        ["empty description in entry 0: no entry is added"] = (() => With(b => PutDescription(b, 0, string.Empty)), "780 BUG: 0 BUG_ON(desc_len == 0)"),
        ["empty description and key_size 0: user_preparse first"] = (() => With(b => { PutDescription(b, 1, string.Empty); SetKeySize(b, 1, 0); }), "780: 0 created d=47 k=64 | 1 refused KeySizeZero EINVAL"),
        ["newline in a description: accepted"] = (() => With(b => PutDescription(b, 1, "a\nb")), "780: 0 created d=47 k=64 | 1 created d=3 k=64"),
        ["no colon: accepted (user keys are not vetted)"] = (() => With(b => PutDescription(b, 1, "x")), "780: 0 created d=47 k=64 | 1 created d=1 k=64"),
        ["no NUL in key_desc: strlen runs into data"] = (() => With(b => b.AsSpan(Desc(1), 128).Fill((byte)'a')), "780: 0 created d=47 k=64 | 1 created d=192 k=64"),
        ["no NUL in entry 0: strlen runs into entry 1's key_size"] = (() => With(b => b.AsSpan(Desc(0), 384).Fill((byte)'a')), "780: 0 created d=385 k=64 | 1 created d=47 k=64"),
        ["no NUL to the end of the blob: runs past it"] = (() => With(b => b.AsSpan(Desc(1), 384).Fill((byte)'a')), "780: 0 created d=47 k=64 | 1 created d=384... k=64"),
        ["same description twice: the second updates the first"] = (() => With(b => b.AsSpan(Desc(0), 128).CopyTo(b.AsSpan(Desc(1)))), "780: 0 created d=47 k=64 >1 | 1 updated(0) d=47 k=64"),
        ["three alike"] = (() => With(b => { b.AsSpan(Desc(0), 128).CopyTo(b.AsSpan(Desc(1))); b.AsSpan(Desc(0), 128).CopyTo(b.AsSpan(Desc(2))); }, count: 3), "1168: 0 created d=47 k=64 >1 | 1 updated(0) d=47 k=64 >2 | 2 updated(0) d=47 k=64"),
        ["a refused duplicate updates nothing"] = (() => With(b => { b.AsSpan(Desc(0), 128).CopyTo(b.AsSpan(Desc(1))); SetKeySize(b, 1, 0); }), "780: 0 created d=47 k=64 | 1 refused KeySizeZero EINVAL"),
        ["a duplicate of a refused entry is created"] = (() => With(b => { b.AsSpan(Desc(0), 128).CopyTo(b.AsSpan(Desc(1))); SetKeySize(b, 0, 0); }), "780: 0 refused KeySizeZero EINVAL | 1 created d=47 k=64"),
        ["non-zero padding: accepted as is"] = (() => With(b => { b[Desc(1) + 100] = 7; b[Data(1) + 200] = 9; }), "780: 0 created d=47 k=64 | 1 created d=47 k=64"),
        ["count 3, two entries given: the third is old memory not given"] = (() => With(b => SetCount(b, 3)), "1168 past-input=388: 0 created d=47 k=64 | 1 created d=47 k=64 | 2 undetermined"),
        ["input ends inside entry 1's key"] = (() => Blob(2)[..560], "780 past-input=220: 0 created d=47 k=64 | 1 created d=47 k=64 input+28"),
        ["input ends inside entry 1's description"] = (() => Blob(2)[..420], "780 past-input=360: 0 created d=47 k=64 | 1 created d=24... k=64 input+64"),
        // latest[1] = 1: entry 2 replaces the payload entry 1 created, not entry 0's (user_update, security/keys/user_defined.c:101-121).
        ["entries 1 and 2 alike: entry 1 is superseded, entry 0 is not"] = (() => With(b => b.AsSpan(Desc(1), 128).CopyTo(b.AsSpan(Desc(2))), count: 3), "1168: 0 created d=47 k=64 | 1 created d=47 k=64 >2 | 2 updated(1) d=47 k=64"),
        // dm_crypt_keys_read copied key_size but no byte of key_desc is given: the description may be empty (a BUG) or not.
        ["input ends right after entry 0's key_size"] = (() => Blob(1)[..(Entry(0) + KeyBlobLayout.KeySizeLength)], "392 past-input=384: 0 undetermined d=0... k=64 input+64"),
        ["input ends right after entry 1's key_size"] = (() => Blob(2)[..(Entry(1) + KeyBlobLayout.KeySizeLength)], "780 past-input=384: 0 created d=47 k=64 | 1 undetermined d=0... k=64 input+64"),
        ["a description equal to the start of one that runs past the blob"] = (() => With(b =>
        {
            b.AsSpan(Desc(0), 384).Fill((byte)'a');
            SetKeySize(b, 1, 0x6161);       // bytes 61 61 00 00: entry 0's C string is 384 + 2 'a'
            b.AsSpan(Desc(1), 384).Fill((byte)'a');
        }), "780: 0 created d=386 k=64 | 1 undetermined d=384... k=24929 entry+24673 blob+24673"),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Kernel_outcome(string name)
    {
        (Func<byte[]> make, string expected) = Cases[name];
        byte[] input = make();
        var entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
        Assert.Equal(expected, Show(summary, entries.AsSpan(0, summary.EntryCount)));
    }

    [Fact]
    public void Descriptions_and_keys_are_the_input_bytes_the_kernel_copies()
    {
        byte[] input = With(b => b.AsSpan(Desc(1), 128).Fill((byte)'a'));
        var entries = new KernelRestoreEntry[2];
        KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
        KernelRestoreEntry entry = entries[1];

        // strlen: 128 'a', then the 64 key bytes up to the data's first NUL.
        Assert.True(entry.GetDescription(input).SequenceEqual(input.AsSpan(Desc(1), 192)));
        Assert.True(entry.GetKnownKey(input).SequenceEqual(input.AsSpan(Data(1), 64)));
        Assert.True(entry.DescriptionRunsIntoData);
        Assert.False(entries[0].DescriptionRunsIntoData);
        Assert.True(entry.KeyKnown);
    }

    [Fact]
    public void A_description_of_exactly_128_bytes_does_not_run_into_data()
    {
        // strlen stops at the first byte of data: the C string fills key_desc and no more.
        byte[] input = With(b =>
        {
            b.AsSpan(Desc(1), KeyBlobLayout.DescriptionFieldLength).Fill((byte)'a');
            b[Data(1)] = 0;
        });
        var entries = new KernelRestoreEntry[2];
        KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
        Assert.Equal(KernelKeyAction.Created, entries[1].Action);
        Assert.Equal(KeyBlobLayout.DescriptionFieldLength, entries[1].DescriptionLength);
        Assert.False(entries[1].DescriptionRunsIntoData);
    }

    [Fact]
    public void Known_key_bytes_leave_out_those_past_the_blob_and_those_past_the_input()
    {
        // key_size 257 in the last entry: user_preparse's memcpy (security/keys/user_defined.c:75) reads one byte past the kzalloc copy.
        byte[] pastBlob = With(b => SetKeySize(b, 1, 257));
        var entries = new KernelRestoreEntry[2];
        KeyBlobKernelRestore.Evaluate(pastBlob, KeyBlobByteOrder.LittleEndian, entries);
        Assert.Equal(1, entries[1].KeyBytesPastBlob);
        Assert.Equal(0, entries[1].KeyBytesPastInput);
        Assert.False(entries[1].KeyKnown);
        Assert.True(entries[1].GetKnownKey(pastBlob).SequenceEqual(pastBlob.AsSpan(Data(1))));

        // The input ends 36 bytes into entry 1's 64-byte key.
        byte[] pastInput = Blob(2)[..(Data(1) + 36)];
        KeyBlobKernelRestore.Evaluate(pastInput, KeyBlobByteOrder.LittleEndian, entries);
        Assert.Equal(28, entries[1].KeyBytesPastInput);
        Assert.False(entries[1].KeyKnown);
        Assert.True(entries[1].GetKnownKey(pastInput).SequenceEqual(pastInput.AsSpan(Data(1))));
    }

    [Fact]
    public void A_refused_entry_has_no_known_key()
    {
        // key_size 40000: user_preparse returns -EINVAL before copying anything (security/keys/user_defined.c:64).
        byte[] input = With(b => SetKeySize(b, 1, 40000));
        var entries = new KernelRestoreEntry[2];
        KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
        Assert.Equal(KernelKeyAction.Refused, entries[1].Action);
        Assert.Equal(0, entries[1].GetKnownKey(input).Length);
    }

    [Fact]
    public void The_entry_that_hits_the_BUG_has_a_complete_empty_description()
    {
        // strlen("") is 0 (security/keys/key.c:865): the NUL is the first byte of key_desc, inside the blob.
        byte[] input = With(b => PutDescription(b, 1, string.Empty));
        var entries = new KernelRestoreEntry[2];
        KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
        KernelRestoreEntry entry = entries[1];
        Assert.Equal(KernelKeyAction.KernelBug, entry.Action);
        Assert.Equal(0, entry.DescriptionLength);
        Assert.True(entry.DescriptionComplete);
        Assert.False(entry.DescriptionRunsPastBlob);
        Assert.Equal(0, entry.GetDescription(input).Length);
    }

    [Fact]
    public void Big_endian_blobs_read_in_their_own_order()
    {
        byte[] input = Blob(2, KeyBlobByteOrder.BigEndian);
        var entries = new KernelRestoreEntry[2];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.BigEndian, entries);
        Assert.Equal("780: 0 created d=47 k=64 | 1 created d=47 k=64", Show(summary, entries));
    }

    [Fact]
    public void A_span_shorter_than_the_count_is_a_caller_bug()
    {
        ArgumentException thrown = Assert.Throws<ArgumentException>(() => KeyBlobKernelRestore.Evaluate(Blob(2), KeyBlobByteOrder.LittleEndian, new KernelRestoreEntry[1]));
        Assert.Equal("entries", thrown.ParamName);
        Assert.StartsWith("Room for 1 entries; the blob has 2.", thrown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobKernelRestore.Evaluate(Blob(2), (KeyBlobByteOrder)7, new KernelRestoreEntry[2]));
    }

    [Fact]
    public void Whatever_kernel_mode_accepts_the_kernel_adds_with_the_same_description_and_key()
    {
        foreach (string name in Cases.Keys)
        {
            byte[] input = Cases[name].Make();
            if (!KeyBlobReader.TryRead(input, new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, out KeyBlob blob, out _))
            {
                continue;
            }

            var entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
            KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(input, KeyBlobByteOrder.LittleEndian, entries);
            foreach (KeyBlobEntry entry in blob)
            {
                // Past a kernel BUG (an empty description: named deviation D7) the kernel handles no entry.
                if (entry.Index >= summary.EntryCount)
                {
                    Assert.Equal(KernelRestoreStatus.KernelBug, summary.Status);
                    continue;
                }

                KernelRestoreEntry outcome = entries[entry.Index];
                Assert.True(outcome.Action != KernelKeyAction.Undetermined, name);
                if (outcome.Added)
                {
                    Assert.True(entry.Description.SequenceEqual(outcome.GetDescription(input)), name);
                    Assert.True(entry.Key.SequenceEqual(outcome.GetKnownKey(input)), name);
                }
            }
        }
    }

    private static string Show(KernelRestoreSummary summary, ReadOnlySpan<KernelRestoreEntry> entries)
    {
        if (summary.Status is not (KernelRestoreStatus.EntriesHandled or KernelRestoreStatus.KernelBug))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{summary.Status} {summary.Count}");
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{summary.BlobSize}");
        if (summary.BytesPastInput != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" past-input={summary.BytesPastInput}");
        }

        text.Append(summary.Status == KernelRestoreStatus.KernelBug ? " BUG:" : ":");
        for (int i = 0; i < entries.Length; i++)
        {
            KernelRestoreEntry e = entries[i];
            Assert.Equal(i, e.Index);
            text.Append(i == 0 ? " " : " | ").Append(CultureInfo.InvariantCulture, $"{i} ");
            switch (e.Action)
            {
                case KernelKeyAction.Refused:
                    Assert.Equal(KeyBlobKernelRestore.EinvalErrno, e.Errno);
                    text.Append(CultureInfo.InvariantCulture, $"refused {e.Refusal} EINVAL");
                    continue;
                case KernelKeyAction.KernelBug:
                    text.Append("BUG_ON(desc_len == 0)");
                    continue;
                case KernelKeyAction.Undetermined when e.KeySize == 0:
                    text.Append("undetermined");
                    continue;
                case KernelKeyAction.Updated:
                    text.Append(CultureInfo.InvariantCulture, $"updated({e.UpdatesEntry})");
                    break;
                default:
                    text.Append(e.Action.ToString().ToLowerInvariant());
                    break;
            }

            text.Append(CultureInfo.InvariantCulture, $" d={e.DescriptionLength}{(e.DescriptionComplete ? string.Empty : "...")} k={e.KeySize}");
            Assert.Equal(!e.DescriptionComplete && summary.BytesPastInput == 0, e.DescriptionRunsPastBlob);
            AppendIf(text, "entry+", e.KeyBytesPastEntry);
            AppendIf(text, "blob+", e.KeyBytesPastBlob);
            AppendIf(text, "input+", e.KeyBytesPastInput);
            if (e.SupersededBy >= 0)
            {
                text.Append(CultureInfo.InvariantCulture, $" >{e.SupersededBy}");
            }
        }

        return text.ToString();
    }

    private static void AppendIf(StringBuilder text, string name, int value)
    {
        if (value != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" {name}{value}");
        }
    }
}
