using System.Security.Cryptography;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>writer</c> target: the input drives a key set (<see cref="KeySetDecoder"/>). The writer's first problem
/// must match an independent model of the configfs and keyring rules; a refusal leaves a sentinel-filled
/// destination untouched; an accepted set is written exactly 4 + 388 * count bytes into a destination that ends
/// at a guard page, and strict mode reads it back (exact length) to the same keys.
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
            bool written = KeyBlobWriter.TryWrite(keys, destination, order, out int bytesWritten, out KeyBlobProblem writeProblem);
            Check.Equal(valid, written, label + " TryWrite verdict");
            Check.Equal(problem, writeProblem, label + " TryWrite problem");
            if (!written)
            {
                Check.Equal(0, bytesWritten, label + " bytes written on refusal");
                Check.AllEqual(destination, Sentinel, label + ": a refusal touched the destination");
                CheckThrowingWrite(keys, order, size, context, label, throws: true);
                return;
            }

            Check.Equal(size, bytesWritten, label + " bytes written");
            Check.AllEqual(destination[size..], Sentinel, label + ": bytes after the blob");
            ReadBack(destination[..size], keys, order, label);
            CheckTooSmall(keys, order, size, context, label);
            CheckThrowingWrite(keys, order, size, context, label, throws: false);
            Check.That(context.Spare.Tail(size).SequenceEqual(destination[..size]), label + ": Write and TryWrite wrote different bytes");
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
            var options = new KeyBlobReadOptions(order, mode, RequireExactLength: true);
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

    // Caller misuse (valid keys, destination one byte short) is an ArgumentException, and nothing is written.
    private static void CheckTooSmall(ReadOnlySpan<KeyBlobKey> keys, KeyBlobByteOrder order, int size, FuzzContext context, string label)
    {
        Span<byte> shortDestination = context.Spare.Tail(size - 1);
        shortDestination.Fill(Sentinel);
        bool threw = false;
        try
        {
            _ = KeyBlobWriter.TryWrite(keys, shortDestination, order, out _, out _);
        }
        catch (ArgumentException e) when (e.ParamName == "destination")
        {
            threw = true;
        }

        Check.That(threw, label + ": a destination one byte short was not refused with ArgumentException");
        Check.AllEqual(shortDestination, Sentinel, label + ": a too-small destination was written");
    }

    // Write is TryWrite that throws: ArgumentException (param "keys") naming the rule, never the bytes.
    private static void CheckThrowingWrite(ReadOnlySpan<KeyBlobKey> keys, KeyBlobByteOrder order, int size, FuzzContext context, string label, bool throws)
    {
        Span<byte> destination = context.Spare.Tail(size);
        destination.Fill(Sentinel);
        bool threw = false;
        try
        {
            Check.Equal(size, KeyBlobWriter.Write(keys, destination, order), label + " Write size");
        }
        catch (ArgumentException e) when (e.ParamName == "keys")
        {
            threw = true;
            KeyBlobWriter.TryValidate(keys, out KeyBlobProblem problem);
            Check.Equal(problem.ToString(), e.Message.Split(" (Parameter", 2)[0], label + " Write message");
        }

        Check.Equal(throws, threw, label + " Write threw");
        if (throws)
        {
            Check.AllEqual(destination, Sentinel, label + ": Write touched the destination on refusal");
        }
    }

    /// <summary>The writer's rules restated: configfs (description), logon_vet_description, user keys 1..32767 (KEY_SIZE_MAX 256).</summary>
    private static KeyBlobProblem FirstProblem(ReadOnlySpan<KeyBlobKey> keys)
    {
        if (keys.IsEmpty)
        {
            return new(KeyBlobError.CountZero, -1, 0);
        }

        if (keys.Length > 128)
        {
            return new(KeyBlobError.CountTooLarge, -1, 0);
        }

        for (int i = 0; i < keys.Length; i++)
        {
            int entry = 4 + (388 * i);
            ReadOnlySpan<byte> d = keys[i].Description.Span;
            KeyBlobProblem p = d.Length switch
            {
                0 => new(KeyBlobError.DescriptionEmpty, i, entry + 4),
                > 128 => new(KeyBlobError.DescriptionTooLong, i, entry + 4),
                128 => new(KeyBlobError.DescriptionTruncatedByKernel, i, entry + 4 + 127),
                _ when d.Contains((byte)0) => new(KeyBlobError.DescriptionContainsNul, i, entry + 4 + d.IndexOf((byte)0)),
                _ when d.Contains((byte)'\n') => new(KeyBlobError.DescriptionContainsNewline, i, entry + 4 + d.IndexOf((byte)'\n')),
                _ when d.IndexOf((byte)':') <= 0 => new(KeyBlobError.DescriptionNotLogonForm, i, entry + 4),
                _ => default,
            };
            if (p.Error != KeyBlobError.None)
            {
                return p;
            }

            int keyLength = keys[i].Key.Length;
            if (keyLength == 0)
            {
                return new(KeyBlobError.KeySizeZero, i, entry);
            }

            if (keyLength > 256)
            {
                return new(KeyBlobError.KeySizeTooLarge, i, entry);
            }
        }

        for (int i = 1; i < keys.Length; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (keys[i].Description.Span.SequenceEqual(keys[j].Description.Span))
                {
                    return new(KeyBlobError.DuplicateDescription, i, 4 + (388 * i) + 4);
                }
            }
        }

        return default;
    }
}
