using System.Buffers.Binary;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// A second, deliberately naive reading of the blob rules, written from the kernel facts and the
/// <see cref="KeyBlobError"/> documentation with literal sizes (no <see cref="KeyBlobLayout"/>), so the
/// reader target can compare the codec's verdict, error, entry and offset against an independent model.
/// </summary>
internal static class BlobModel
{
    private const int Header = 4;
    private const int Entry = 388;
    private const int DescAt = 4;
    private const int DescField = 128;
    private const int DataAt = 132;
    private const int DataField = 256;
    private const uint MaxCount = 128;
    private const uint MaxKey = 256;

    /// <summary>The first problem the codec must report for <paramref name="input"/>, or <c>default</c> with the entry count.</summary>
    public static KeyBlobProblem FirstProblem(ReadOnlySpan<byte> input, KeyBlobReadOptions options, out int count)
    {
        bool strict = options.Mode == KeyBlobMode.Strict;
        count = 0;
        if (input.Length < Header)
        {
            return new KeyBlobProblem { Error = KeyBlobError.TruncatedHeader, EntryIndex = -1, Offset = input.Length };
        }

        uint raw = U32(input, 0, options.ByteOrder);
        if (raw == 0 && strict)
        {
            return new KeyBlobProblem { Error = KeyBlobError.CountZero, EntryIndex = -1, Offset = 0 };
        }

        if (raw > MaxCount)
        {
            return new KeyBlobProblem { Error = KeyBlobError.CountTooLarge, EntryIndex = -1, Offset = 0 };
        }

        long size = Header + ((long)Entry * raw);
        if (input.Length < size)
        {
            return new KeyBlobProblem { Error = KeyBlobError.TruncatedEntries, EntryIndex = -1, Offset = input.Length };
        }

        int n = (int)raw;
        for (int i = 0; i < n; i++)
        {
            KeyBlobProblem p = EntryProblem(input, i, options.ByteOrder, strict);
            if (p.Error != KeyBlobError.None)
            {
                return p;
            }
        }

        if (strict)
        {
            // create-or-update replaces a key with a repeated description: the later entry is at fault.
            for (int i = 1; i < n; i++)
            {
                ReadOnlySpan<byte> later = Description(input, i, strict);
                for (int j = 0; j < i; j++)
                {
                    if (later.SequenceEqual(Description(input, j, strict)))
                    {
                        return new KeyBlobProblem { Error = KeyBlobError.DuplicateDescription, EntryIndex = i, Offset = Header + (Entry * i) + DescAt };
                    }
                }
            }
        }

        if (options.RequireExactLength && input.Length > size)
        {
            return new KeyBlobProblem { Error = KeyBlobError.TrailingBytes, EntryIndex = -1, Offset = (int)size };
        }

        count = n;
        return default;
    }

    /// <summary>Description of entry <paramref name="index"/> of a blob the model accepted, without its NUL.</summary>
    public static ReadOnlySpan<byte> Description(ReadOnlySpan<byte> input, int index, bool strict)
    {
        int at = Header + (Entry * index) + DescAt;
        ReadOnlySpan<byte> text = input.Slice(at, strict ? DescField : Entry - DescAt);
        return text[..text.IndexOf((byte)0)];
    }

    /// <summary>Key of entry <paramref name="index"/> of a blob the model accepted.</summary>
    public static ReadOnlySpan<byte> Key(ReadOnlySpan<byte> input, int index, KeyBlobByteOrder order)
    {
        int at = Header + (Entry * index);
        return input.Slice(at + DataAt, (int)U32(input, at, order));
    }

    private static KeyBlobProblem EntryProblem(ReadOnlySpan<byte> input, int i, KeyBlobByteOrder order, bool strict)
    {
        int at = Header + (Entry * i);
        uint keySize = U32(input, at, order);
        if (keySize > MaxKey)
        {
            return new KeyBlobProblem { Error = KeyBlobError.KeySizeTooLarge, EntryIndex = i, Offset = at };
        }

        if (keySize == 0 && strict)
        {
            return new KeyBlobProblem { Error = KeyBlobError.KeySizeZero, EntryIndex = i, Offset = at };
        }

        // Kernel mode: the C string may run on into data, but not past the entry.
        ReadOnlySpan<byte> text = input.Slice(at + DescAt, strict ? DescField : Entry - DescAt);
        int nul = text.IndexOf((byte)0);
        if (nul < 0)
        {
            return new KeyBlobProblem { Error = KeyBlobError.DescriptionNotTerminated, EntryIndex = i, Offset = at + DescAt };
        }

        if (!strict)
        {
            return default;
        }

        if (nul == 0)
        {
            return new KeyBlobProblem { Error = KeyBlobError.DescriptionEmpty, EntryIndex = i, Offset = at + DescAt };
        }

        int newline = text[..nul].IndexOf((byte)'\n');
        if (newline >= 0)
        {
            return new KeyBlobProblem { Error = KeyBlobError.DescriptionContainsNewline, EntryIndex = i, Offset = at + DescAt + newline };
        }

        if (text[..nul].IndexOf((byte)':') <= 0)
        {
            return new KeyBlobProblem { Error = KeyBlobError.DescriptionNotLogonForm, EntryIndex = i, Offset = at + DescAt };
        }

        for (int b = nul + 1; b < DescField; b++)
        {
            if (text[b] != 0)
            {
                return new KeyBlobProblem { Error = KeyBlobError.DescriptionPaddingNotZero, EntryIndex = i, Offset = at + DescAt + b };
            }
        }

        for (int b = (int)keySize; b < DataField; b++)
        {
            if (input[at + DataAt + b] != 0)
            {
                return new KeyBlobProblem { Error = KeyBlobError.KeyDataPaddingNotZero, EntryIndex = i, Offset = at + DataAt + b };
            }
        }

        return default;
    }

    private static uint U32(ReadOnlySpan<byte> input, int at, KeyBlobByteOrder order) =>
        order == KeyBlobByteOrder.BigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(input[at..])
            : BinaryPrimitives.ReadUInt32LittleEndian(input[at..]);
}
