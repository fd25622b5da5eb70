using System.Buffers;
using System.Security.Cryptography;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>reader</c> target: the input is read in both byte orders and both modes, with and without an
/// exact length, by <see cref="KeyBlobReader.TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>
/// and <see cref="KeyBlobReader.CollectProblems"/>, and every answer is held to the invariants src/Fuzz/README.md lists for it.
/// </summary>
internal static class ReaderTarget
{
    private const int CollectCapacity = 16;

    public static void Run(ReadOnlySpan<byte> input)
    {
        RunOrder(input, KeyBlobByteOrder.LittleEndian);
        RunOrder(input, KeyBlobByteOrder.BigEndian);
    }

    private static void RunOrder(ReadOnlySpan<byte> input, KeyBlobByteOrder order)
    {
        var strictOptions = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Strict };
        var kernelOptions = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel };
        bool strictOk = ReadAndCheck(input, strictOptions, out KeyBlob strict);
        bool kernelOk = ReadAndCheck(input, kernelOptions, out KeyBlob kernel);

        bool hasCount = KeyBlobReader.TryReadCount(input, order, out uint rawCount);
        Check.That(hasCount == input.Length >= 4, "TryReadCount must succeed exactly when 4 bytes are there");
        if (kernelOk)
        {
            Check.Equal((int)rawCount, kernel.Count, $"{order} kernel count against TryReadCount");
        }

        CheckKernelRestore(input, order, kernelOk, kernel);
        CheckEntryReader(input, strictOptions);
        CheckEntryReader(input, kernelOptions);

        if (!strictOk)
        {
            return;
        }

        // Strict is a narrowing of kernel mode: same blob, same entries, the very same spans.
        Check.That(kernelOk, $"{order}: strict accepted a blob that kernel mode refused");
        Check.Equal(strict.Count, kernel.Count, $"{order} strict and kernel count");
        for (int i = 0; i < strict.Count; i++)
        {
            KeyBlobEntry s = strict[i];
            KeyBlobEntry k = kernel[i];
            Check.That(s.DescriptionWithTerminator == k.DescriptionWithTerminator, $"{order} entry {i}: strict and kernel descriptions differ");
            Check.That(s.Key == k.Key, $"{order} entry {i}: strict and kernel keys differ");
        }

        Rewrite(input, strict, order);
    }

    // KeyBlobReader.TryReadEntry and CollectEntryProblems: the input's first 388 bytes, read as an entry on its own, give
    // what the same bytes give as the one entry of a blob of count 1, offsets counted from the entry (the blob's less 4).
    private static void CheckEntryReader(ReadOnlySpan<byte> input, KeyBlobReadOptions options)
    {
        bool ok = KeyBlobReader.TryReadEntry(input, options, out KeyBlobEntry entry, out KeyBlobProblem problem);
        Span<KeyBlobProblem> entryProblems = stackalloc KeyBlobProblem[CollectCapacity];
        int entryCount = KeyBlobReader.CollectEntryProblems(input, options, entryProblems);
        Check.That(ok == (entryCount == 0), $"{options.ByteOrder} {options.Mode}: TryReadEntry and CollectEntryProblems disagree");
        if (input.Length < KeyBlobLayout.EntrySize)
        {
            Check.That(!ok, $"{options.ByteOrder} {options.Mode}: TryReadEntry accepted {input.Length} bytes");
            return;
        }

        Span<byte> blob = stackalloc byte[KeyBlobLayout.HeaderSize + KeyBlobLayout.EntrySize];
        KeyBlobWriter.WriteCount(1, blob, new KeyBlobWriteOptions { ByteOrder = options.ByteOrder });
        input[..KeyBlobLayout.EntrySize].CopyTo(blob[KeyBlobLayout.HeaderSize..]);
        bool blobOk = KeyBlobReader.TryRead(blob, options, out KeyBlob one, out KeyBlobProblem blobProblem);
        Check.Equal(blobOk, ok, $"{options.ByteOrder} {options.Mode}: TryReadEntry against a blob of one");
        Span<KeyBlobProblem> blobProblems = stackalloc KeyBlobProblem[CollectCapacity];
        Check.Equal(KeyBlobReader.CollectProblems(blob, options, blobProblems), entryCount, $"{options.ByteOrder} {options.Mode}: entry problems against a blob of one");
        if (ok)
        {
            Check.That(entry.DescriptionWithTerminator.SequenceEqual(one[0].DescriptionWithTerminator) && entry.Key.SequenceEqual(one[0].Key), $"{options.ByteOrder} {options.Mode}: entry bytes against a blob of one");
            return;
        }

        Check.Equal(blobProblem with { Offset = blobProblem.Offset - KeyBlobLayout.HeaderSize }, problem, $"{options.ByteOrder} {options.Mode}: first entry problem");
        for (int i = 0; i < Math.Min(entryCount, CollectCapacity); i++)
        {
            Check.Equal(blobProblems[i] with { Offset = blobProblems[i].Offset - KeyBlobLayout.HeaderSize }, entryProblems[i], $"{options.ByteOrder} {options.Mode}: entry problem {i}");
        }
    }

    // KeyBlobKernelRestore.Evaluate: slices inside the input for every input; whatever kernel mode accepts, the kernel
    // adds or refuses entry by entry with the very same description and key bytes (kernel/crash_dump_dm_crypt.c:137-141).
    private static void CheckKernelRestore(ReadOnlySpan<byte> input, KeyBlobByteOrder order, bool kernelOk, KeyBlob kernel)
    {
        Span<KernelRestoreEntry> entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(input, order, entries);
        for (int i = 0; i < summary.EntryCount; i++)
        {
            KernelRestoreEntry e = entries[i];
            Check.That(e.DescriptionOffset + e.DescriptionLength <= input.Length, $"{order} restore entry {i}: description past the input");
            Check.That((uint)e.GetKnownKey(input).Length <= e.KeySize, $"{order} restore entry {i}: more key bytes than key_size");
        }

        if (!kernelOk)
        {
            return;
        }

        // An entry with an empty description is the kernel's last: BUG_ON in __key_link_begin (keyring.c:1308).
        bool bug = summary.Status == KernelRestoreStatus.KernelBug;
        Check.That(bug ? summary.EntryCount <= kernel.Count : summary.EntryCount == kernel.Count, $"{order} restore entries against kernel mode");
        foreach (KeyBlobEntry entry in kernel)
        {
            if (entry.Index >= summary.EntryCount)
            {
                break;
            }

            KernelRestoreEntry e = entries[entry.Index];
            Check.That((e.Action == KernelKeyAction.KernelBug) == (bug && entry.Index == summary.EntryCount - 1), $"{order} restore entry {entry.Index}: a BUG that is not the last entry handled");
            Check.That(e.Action != KernelKeyAction.KernelBug || entry.Description.IsEmpty, $"{order} restore entry {entry.Index}: a BUG on a description that is not empty");
            Check.That(e.Action != KernelKeyAction.Undetermined, $"{order} restore entry {entry.Index}: undetermined for a blob kernel mode accepts");
            if (e.Added)
            {
                Check.That(e.GetDescription(input).SequenceEqual(entry.Description), $"{order} restore entry {entry.Index}: description differs from kernel mode");
                Check.That(e.GetKnownKey(input).SequenceEqual(entry.Key), $"{order} restore entry {entry.Index}: key differs from kernel mode");
            }
        }
    }

    // TryRead, CollectProblems and the exact-length variant for one option set, against BlobModel.
    private static bool ReadAndCheck(ReadOnlySpan<byte> input, KeyBlobReadOptions options, out KeyBlob blob)
    {
        string label = $"{options.ByteOrder} {options.Mode}";
        KeyBlobProblem expected = BlobModel.FirstProblem(input, options, out int expectedCount);
        bool ok = KeyBlobReader.TryRead(input, options, out blob, out KeyBlobProblem problem);
        Check.Equal(expected, problem, label + " first problem against the model");
        Check.That(ok == (problem.Error == KeyBlobError.None), label + ": verdict and problem disagree");
        CheckProblemBounds(problem, input.Length, label);

        Span<KeyBlobProblem> one = stackalloc KeyBlobProblem[1];
        Span<KeyBlobProblem> many = stackalloc KeyBlobProblem[CollectCapacity];
        int countOne = KeyBlobReader.CollectProblems(input, options, one);
        int countMany = KeyBlobReader.CollectProblems(input, options, many);
        Check.Equal(countOne, countMany, label + " CollectProblems count with 1 and 16 slots");
        Check.That((countMany == 0) == ok, label + ": CollectProblems and TryRead disagree on the verdict");
        if (countMany > 0)
        {
            Check.Equal(problem, one[0], label + " first collected problem (1 slot) against TryRead");
            Check.Equal(problem, many[0], label + " first collected problem (16 slots) against TryRead");
        }

        for (int i = 0; i < Math.Min(countMany, CollectCapacity); i++)
        {
            CheckProblemBounds(many[i], input.Length, label + " collected");
        }

        KeyBlobReadOptions exactOptions = options with { RequireExactLength = true };
        KeyBlobProblem expectedExact = BlobModel.FirstProblem(input, exactOptions, out _);
        bool exactOk = KeyBlobReader.TryRead(input, exactOptions, out KeyBlob exact, out KeyBlobProblem exactProblem);
        Check.Equal(expectedExact, exactProblem, label + " exact-length first problem against the model");
        CheckProblemBounds(exactProblem, input.Length, label + " exact");
        if (exactOk)
        {
            Check.That(ok && exact.Size == input.Length, label + ": exact length accepted what the plain read did not");
        }

        if (!ok)
        {
            return false;
        }

        CheckBlob(input, blob, options, expectedCount, label);
        return true;
    }

    private static void CheckProblemBounds(KeyBlobProblem problem, int inputLength, string label)
    {
        if (problem.Error == KeyBlobError.None)
        {
            Check.Equal(default(KeyBlobProblem), problem, label + " empty problem");
            return;
        }

        Check.That(Enum.IsDefined(problem.Error), $"{label}: undefined error {(int)problem.Error}");
        Check.That(problem.Offset >= 0 && problem.Offset <= inputLength, $"{label}: {problem.Code} offset {problem.Offset} outside [0, {inputLength}]");
        Check.That(problem.EntryIndex >= -1 && problem.EntryIndex < KeyBlobLayout.MaxKeys, $"{label}: {problem.Code} entry {problem.EntryIndex}");
        Check.That(problem.Code != "CDC999", $"{label}: error without a code");
    }

    private static void CheckBlob(ReadOnlySpan<byte> input, KeyBlob blob, KeyBlobReadOptions options, int expectedCount, string label)
    {
        bool strict = options.Mode == KeyBlobMode.Strict;
        Check.Equal(expectedCount, blob.Count, label + " count");
        Check.Equal(options, blob.Options, label + " options");
        Check.Equal(4 + (388 * blob.Count), blob.Size, label + " size");
        Check.Equal(0, Check.Inside(input, blob.Bytes, label + " blob"), label + " blob offset");
        Check.Equal(blob.Size, blob.Bytes.Length, label + " blob length");

        int index = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            Check.That(index < blob.Count, label + ": enumerator ran past Count");
            int entryOffset = 4 + (388 * index);
            Check.Equal(index, entry.Index, label + " entry index");
            Check.Equal(entryOffset, entry.Offset, label + " entry offset");

            int descriptionAt = Check.Inside(input, entry.DescriptionWithTerminator, label + " description");
            int keyAt = Check.Inside(input, entry.Key, label + " key");
            Check.Equal(entryOffset + 4, descriptionAt, label + " description offset");
            Check.Equal(entryOffset + 132, keyAt, label + " key offset");
            Check.That(entry.Key.Length <= 256, label + ": key longer than 256");
            int descriptionEnd = strict ? entryOffset + 132 : entryOffset + 388;
            Check.That(descriptionAt + entry.DescriptionWithTerminator.Length <= descriptionEnd, label + ": description runs past its bound");
            Check.Equal(descriptionAt + entry.DescriptionWithTerminator.Length > entryOffset + 132, entry.DescriptionRunsIntoData, label + " DescriptionRunsIntoData");
            Check.That(!(strict && entry.DescriptionRunsIntoData), label + ": strict accepted a description that runs into data");
            Check.That(entry.DescriptionWithTerminator[^1] == 0, label + ": description does not end with its NUL");
            Check.That(!entry.Description.Contains((byte)0), label + ": NUL inside the description");
            Check.That(entry.Description.SequenceEqual(BlobModel.Description(input, index, strict)), label + ": description differs from the model");
            Check.That(entry.Key.SequenceEqual(BlobModel.Key(input, index, options.ByteOrder)), label + ": key differs from the model");

            KeyBlobEntry indexed = blob[index];
            Check.That(indexed.DescriptionWithTerminator == entry.DescriptionWithTerminator && indexed.Key == entry.Key, label + ": indexer and enumerator disagree");
            index++;
        }

        Check.Equal(blob.Count, index, label + " entries enumerated");
    }

    // Decode then encode: the writer must reproduce the first 4 + 388 * count bytes exactly.
    private static void Rewrite(ReadOnlySpan<byte> input, KeyBlob blob, KeyBlobByteOrder order)
    {
        FuzzContext context = FuzzContext.Current;
        byte[] arena = context.Arena;
        KeyBlobKey[] keys = context.Keys;
        int used = 0;
        try
        {
            for (int i = 0; i < blob.Count; i++)
            {
                KeyBlobEntry entry = blob[i];
                Memory<byte> description = arena.AsMemory(used, entry.Description.Length);
                entry.Description.CopyTo(description.Span);
                used += description.Length;
                Memory<byte> key = arena.AsMemory(used, entry.Key.Length);
                entry.Key.CopyTo(key.Span);
                used += key.Length;
                keys[i] = new KeyBlobKey(description, key);
            }

            Span<byte> rewritten = arena.AsSpan(used, blob.Size + 1);
            used += rewritten.Length;
            rewritten.Fill(0xA5);
            bool written = KeyBlobWriter.Write(keys.AsSpan(0, blob.Count), rewritten, new KeyBlobWriteOptions { ByteOrder = order }, out int size, out KeyBlobProblem problem) == OperationStatus.Done;
            Check.That(written, $"{order}: writer refused the entries of a strict-accepted blob ({problem.Code} entry {problem.EntryIndex})");
            Check.Equal(blob.Size, size, order + " rewritten size");
            Check.That(rewritten[..size].SequenceEqual(input[..size]), $"{order}: rewriting the decoded entries does not reproduce the blob");
            Check.Equal((byte)0xA5, rewritten[size], order + " byte after the rewritten blob");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(arena.AsSpan(0, used));
            Array.Clear(keys);
        }
    }
}
