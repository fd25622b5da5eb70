using System.Buffers;
using System.Security.Cryptography;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>writer</c> target: the input drives a key set (<see cref="KeySetDecoder"/>). The writer's first problem
/// must match an independent model of the configfs and keyring rules; a refusal leaves a sentinel-filled
/// destination untouched; an accepted set is written exactly 4 + 388 * count bytes into a destination that ends
/// at a guard page, and strict mode reads it back (exact length) to the same keys. The validated key set
/// (<see cref="KeyBlobKeySet"/>) is refused with the same problem, or writes the same bytes as the checked writer.
/// </summary>
internal static class WriterTarget
{
    private const byte Sentinel = 0xCC;

    public static void Run(ReadOnlySpan<byte> input)
    {
        FuzzContext context = FuzzContext.Current;
        byte[] arena = context.Arena;
        KeyBlobKey[] keys = context.Keys;
        var decoder = new KeySetDecoder(input);
        try
        {
            int count = decoder.Decode(arena, keys, out KeyBlobByteOrder order, out int slack);
            CheckKeySet(keys.AsSpan(0, count), order, slack, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(arena.AsSpan(0, decoder.ArenaUsed));
            Array.Clear(keys);
        }
    }

    private static void CheckKeySet(ReadOnlySpan<KeyBlobKey> keys, KeyBlobByteOrder order, int slack, FuzzContext context)
    {
        string label = $"{order} writer, {keys.Length} keys";
        KeyBlobProblem expected = FirstProblem(keys);
        bool valid = KeyBlobWriter.TryValidate(keys, out KeyBlobProblem problem);
        Check.Equal(expected, problem, label + " first problem against the model");
        Check.Equal(expected.Error == KeyBlobError.None, valid, label + " TryValidate verdict");

        Span<KeyBlobProblem> collected = stackalloc KeyBlobProblem[4];
        int collectedCount = KeyBlobWriter.CollectProblems(keys, collected);
        Check.Equal(valid, collectedCount == 0, label + " CollectProblems verdict");
        if (!valid)
        {
            Check.Equal(problem, collected[0], label + " first collected problem");
        }

        int size = valid ? KeyBlobWriter.GetRequiredSize(keys.Length) : 4 + (388 * Math.Min(keys.Length, 2));
        Span<byte> destination = context.Work.Tail(size + slack);
        destination.Fill(Sentinel);
        try
        {
            OperationStatus status = KeyBlobWriter.Write(keys, destination, new KeyBlobWriteOptions { ByteOrder = order }, out int bytesWritten, out KeyBlobProblem writeProblem);
            Check.That(status == (valid ? OperationStatus.Done : OperationStatus.InvalidData), $"{label} Write status {status}");
            Check.Equal(problem, writeProblem, label + " Write problem");
            if (status != OperationStatus.Done)
            {
                Check.Equal(0, bytesWritten, label + " bytes written on refusal");
                Check.AllEqual(destination, Sentinel, label + ": a refusal touched the destination");
                Check.That(!KeyBlobKeySet.TryCreate(keys, out _, out KeyBlobProblem setProblem), label + ": KeyBlobKeySet accepted a refused set");
                Check.Equal(problem, setProblem, label + " KeyBlobKeySet problem");
                return;
            }

            Check.Equal(size, bytesWritten, label + " bytes written");
            Check.AllEqual(destination[size..], Sentinel, label + ": bytes after the blob");
            ReadBack(destination[..size], keys, order, label);
            CheckTooSmall(keys, order, size, context, label);
            CheckValidatedKeySet(keys, destination[..size], order, context, label);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(destination);
        }
    }

    private static void ReadBack(ReadOnlySpan<byte> blobBytes, ReadOnlySpan<KeyBlobKey> keys, KeyBlobByteOrder order, string label)
    {
        foreach (KeyBlobMode mode in (ReadOnlySpan<KeyBlobMode>)[KeyBlobMode.Strict, KeyBlobMode.Kernel])
        {
            var options = new KeyBlobReadOptions { ByteOrder = order, Mode = mode, RequireExactLength = true };
            bool read = KeyBlobReader.TryRead(blobBytes, options, out KeyBlob blob, out KeyBlobProblem problem);
            Check.That(read, $"{label}: {mode} refused what the writer wrote ({problem.Code} entry {problem.EntryIndex} offset {problem.Offset})");
            Check.Equal(keys.Length, blob.Count, label + " count read back");
            for (int i = 0; i < keys.Length; i++)
            {
                KeyBlobEntry entry = blob[i];
                Check.That(entry.Description.SequenceEqual(keys[i].Description.Span), $"{label}: {mode} entry {i} description differs");
                Check.That(entry.Key.SequenceEqual(keys[i].Key.Span), $"{label}: {mode} entry {i} key differs");
            }
        }
    }

    // Valid keys and a destination one byte short: DestinationTooSmall, and nothing is written.
    private static void CheckTooSmall(ReadOnlySpan<KeyBlobKey> keys, KeyBlobByteOrder order, int size, FuzzContext context, string label)
    {
        Span<byte> shortDestination = context.Spare.Tail(size - 1);
        shortDestination.Fill(Sentinel);
        OperationStatus status = KeyBlobWriter.Write(keys, shortDestination, new KeyBlobWriteOptions { ByteOrder = order }, out int written, out KeyBlobProblem problem);
        Check.That(status == OperationStatus.DestinationTooSmall, $"{label}: a destination one byte short gave {status}");
        Check.Equal(0, written, label + ": bytes written into a too-small destination");
        Check.Equal(default, problem, label + ": problem for a too-small destination");
        Check.AllEqual(shortDestination, Sentinel, label + ": a too-small destination was written");
    }

    // The validated key set writes exactly the checked writer's bytes, into a destination that ends at a guard page.
    private static void CheckValidatedKeySet(ReadOnlySpan<KeyBlobKey> keys, ReadOnlySpan<byte> written, KeyBlobByteOrder order, FuzzContext context, string label)
    {
        Check.That(KeyBlobKeySet.TryCreate(keys, out KeyBlobKeySet? keySet, out KeyBlobProblem problem), $"{label}: KeyBlobKeySet refused a valid set ({problem.Code})");
        using (keySet)
        {
            Span<byte> again = context.Spare.Tail(written.Length);
            try
            {
                OperationStatus status = keySet!.Write(again, new KeyBlobWriteOptions { ByteOrder = order }, out int bytesWritten);
                Check.That(status == OperationStatus.Done, $"{label}: KeyBlobKeySet.Write gave {status}");
                Check.Equal(written.Length, bytesWritten, label + " KeyBlobKeySet bytes written");
                Check.That(again.SequenceEqual(written), label + ": KeyBlobKeySet wrote other bytes than Write");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(again);
            }
        }
    }

    /// <summary>The writer's rules restated: configfs (description), logon_vet_description, user keys 1..32767 (KEY_SIZE_MAX 256).</summary>
    private static KeyBlobProblem FirstProblem(ReadOnlySpan<KeyBlobKey> keys)
    {
        if (keys.IsEmpty)
        {
            return new KeyBlobProblem { Error = KeyBlobError.CountZero, EntryIndex = -1, Offset = 0 };
        }

        if (keys.Length > 128)
        {
            return new KeyBlobProblem { Error = KeyBlobError.CountTooLarge, EntryIndex = -1, Offset = 0 };
        }

        for (int i = 0; i < keys.Length; i++)
        {
            int entry = 4 + (388 * i);
            ReadOnlySpan<byte> d = keys[i].Description.Span;
            KeyBlobProblem p = d.Length switch
            {
                0 => new KeyBlobProblem { Error = KeyBlobError.DescriptionEmpty, EntryIndex = i, Offset = entry + 4 },
                > 128 => new KeyBlobProblem { Error = KeyBlobError.DescriptionTooLong, EntryIndex = i, Offset = entry + 4 },
                128 => new KeyBlobProblem { Error = KeyBlobError.DescriptionTruncatedByKernel, EntryIndex = i, Offset = entry + 4 + 127 },
                _ when d.Contains((byte)0) => new KeyBlobProblem { Error = KeyBlobError.DescriptionContainsNul, EntryIndex = i, Offset = entry + 4 + d.IndexOf((byte)0) },
                _ when d.Contains((byte)'\n') => new KeyBlobProblem { Error = KeyBlobError.DescriptionContainsNewline, EntryIndex = i, Offset = entry + 4 + d.IndexOf((byte)'\n') },
                _ when d.IndexOf((byte)':') <= 0 => new KeyBlobProblem { Error = KeyBlobError.DescriptionNotLogonForm, EntryIndex = i, Offset = entry + 4 },
                _ => default,
            };
            if (p.Error != KeyBlobError.None)
            {
                return p;
            }

            int keyLength = keys[i].Key.Length;
            if (keyLength == 0)
            {
                return new KeyBlobProblem { Error = KeyBlobError.KeySizeZero, EntryIndex = i, Offset = entry };
            }

            if (keyLength > 256)
            {
                return new KeyBlobProblem { Error = KeyBlobError.KeySizeTooLarge, EntryIndex = i, Offset = entry };
            }
        }

        for (int i = 1; i < keys.Length; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (keys[i].Description.Span.SequenceEqual(keys[j].Description.Span))
                {
                    return new KeyBlobProblem { Error = KeyBlobError.DuplicateDescription, EntryIndex = i, Offset = 4 + (388 * i) + 4 };
                }
            }
        }

        return default;
    }
}
