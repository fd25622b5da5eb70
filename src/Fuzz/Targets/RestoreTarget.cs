using System.Security.Cryptography;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>restore</c> target: <see cref="KeyBlobRestorer.Restore{TSink}(Span{byte}, KeyBlobReadOptions, ref TSink)"/>
/// over a guarded copy of the input, in both byte orders and both modes, with a sink that records what it gets
/// (and, once per order, a sink that throws part-way). The sink must see exactly what
/// <see cref="KeyBlobReader.TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>
/// accepts, in order; the copy must be all zero afterwards however the call ended, and nothing around it touched.
/// </summary>
internal static class RestoreTarget
{
    private const byte Sentinel = 0x5A;
    private const int SentinelLength = 64;

    [ThreadStatic]
    private static Record[]? t_records;

    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (KeyBlobByteOrder order in (ReadOnlySpan<KeyBlobByteOrder>)[KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian])
        {
            foreach (KeyBlobMode mode in (ReadOnlySpan<KeyBlobMode>)[KeyBlobMode.Strict, KeyBlobMode.Kernel])
            {
                RestoreAndCompare(input, new KeyBlobReadOptions { ByteOrder = order, Mode = mode });
            }

            RestoreWithThrowingSink(input, new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel });
        }
    }

    private static void RestoreAndCompare(ReadOnlySpan<byte> input, KeyBlobReadOptions options)
    {
        string label = $"{options.ByteOrder} {options.Mode} restore";
        FuzzContext context = FuzzContext.Current;
        bool accepted = KeyBlobReader.TryRead(input, options, out KeyBlob blob, out KeyBlobProblem problem);

        Span<byte> region = PlaceCopy(context.Work, input);
        var sink = new RecordingSink(region, context.Arena, t_records ??= new Record[KeyBlobLayout.MaxKeys]);
        try
        {
            KeyBlobRestoreResult result = KeyBlobRestorer.Restore(region, options, ref sink);
            Check.Equal(accepted, result.Succeeded, label + " verdict against TryRead");
            Check.Equal(problem, result.Problem, label + " problem against TryRead");
            Check.Equal(accepted ? blob.Count : 0, result.KeysRestored, label + " keys restored");
            Check.Equal(result.KeysRestored, sink.Count, label + " keys the sink saw");
            for (int i = 0; i < sink.Count; i++)
            {
                KeyBlobEntry expected = blob[i];
                Record got = sink.Records[i];
                Check.Equal(expected.Index, got.Index, label + " entry index");
                Check.Equal(expected.Offset, got.Offset, label + " entry offset");
                Check.Equal(expected.Offset + 4, got.DescriptionOffset, label + " description offset in the region");
                Check.Equal(expected.Offset + 132, got.KeyOffset, label + " key offset in the region");
                Check.That(sink.Description(i).SequenceEqual(expected.DescriptionWithTerminator), $"{label}: entry {i} description differs");
                Check.That(sink.Key(i).SequenceEqual(expected.Key), $"{label}: entry {i} key differs");
            }

            CheckCleared(context.Work, region, label);
        }
        finally
        {
            sink.Clear();
        }
    }

    // A sink that throws must not leave key bytes behind: Restore clears the region in its finally.
    private static void RestoreWithThrowingSink(ReadOnlySpan<byte> input, KeyBlobReadOptions options)
    {
        string label = $"{options.ByteOrder} {options.Mode} restore with a throwing sink";
        FuzzContext context = FuzzContext.Current;
        bool accepted = KeyBlobReader.TryRead(input, options, out KeyBlob blob, out _);
        int throwAt = input.IsEmpty ? 0 : input[^1] % 4;

        Span<byte> region = PlaceCopy(context.Work, input);
        var sink = new ThrowingSink(throwAt);
        bool threw = false;
        try
        {
            _ = KeyBlobRestorer.Restore(region, options, ref sink);
        }
        catch (SinkException)
        {
            threw = true;
        }

        Check.Equal(accepted && blob.Count > throwAt, threw, label + " thrown");
        Check.Equal(threw ? throwAt : (accepted ? blob.Count : 0), sink.Seen, label + " entries before the throw");
        CheckCleared(context.Work, region, label);
    }

    private static Span<byte> PlaceCopy(GuardedBuffer buffer, ReadOnlySpan<byte> input)
    {
        Span<byte> region = buffer.Place(input);
        buffer.Before(region.Length, SentinelLength).Fill(Sentinel);
        return region;
    }

    private static void CheckCleared(GuardedBuffer buffer, Span<byte> region, string label)
    {
        Check.AllEqual(region, 0, label + ": region after restore");
        Check.AllEqual(buffer.Before(region.Length, SentinelLength), Sentinel, label + ": bytes before the region");
    }

    private readonly record struct Record(int Index, int Offset, int DescriptionOffset, int KeyOffset, int ArenaDescription, int DescriptionLength, int ArenaKey, int KeyLength);

    /// <summary>Copies what it gets into the pinned arena (the region is cleared when Restore returns).</summary>
    private ref struct RecordingSink : IKeyBlobSink
    {
        private readonly ReadOnlySpan<byte> _region;
        private readonly byte[] _arena;
        private int _used;

        public RecordingSink(ReadOnlySpan<byte> region, byte[] arena, Record[] records)
        {
            _region = region;
            _arena = arena;
            Records = records;
        }

        public Record[] Records { get; }

        public int Count { get; private set; }

        public readonly ReadOnlySpan<byte> Description(int i) => _arena.AsSpan(Records[i].ArenaDescription, Records[i].DescriptionLength);

        public readonly ReadOnlySpan<byte> Key(int i) => _arena.AsSpan(Records[i].ArenaKey, Records[i].KeyLength);

        public void Add(KeyBlobEntry entry)
        {
            Check.That(Count < Records.Length, "sink got more entries than a blob can hold");

            // The spans must point into the region being restored, never at a copy.
            int descriptionOffset = Check.Inside(_region, entry.DescriptionWithTerminator, "restored description");
            int keyOffset = Check.Inside(_region, entry.Key, "restored key");
            int descriptionAt = _used;
            entry.DescriptionWithTerminator.CopyTo(_arena.AsSpan(_used));
            _used += entry.DescriptionWithTerminator.Length;
            int keyAt = _used;
            entry.Key.CopyTo(_arena.AsSpan(_used));
            _used += entry.Key.Length;
            Records[Count++] = new Record(entry.Index, entry.Offset, descriptionOffset, keyOffset, descriptionAt, entry.DescriptionWithTerminator.Length, keyAt, entry.Key.Length);
        }

        public void Clear()
        {
            CryptographicOperations.ZeroMemory(_arena.AsSpan(0, _used));
            _used = 0;
            Count = 0;
        }
    }

    private struct ThrowingSink(int throwAt) : IKeyBlobSink
    {
        public int Seen { get; private set; }

        public void Add(KeyBlobEntry entry)
        {
            if (Seen == throwAt)
            {
                throw new SinkException();
            }

            Seen++;
        }
    }

    private sealed class SinkException : Exception
    {
    }
}
