using System.Buffers;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>The hot path allocates nothing: measured around warmed-up calls on this thread.</summary>
public class AllocationTests
{
    private struct CountingSink : IKeyBlobSink
    {
        public int Bytes;

        public void Add(KeyBlobEntry entry) => Bytes += entry.Key.Length + entry.Description.Length;
    }

    [Theory]
    [InlineData(1, KeyBlobByteOrder.LittleEndian)]
    [InlineData(128, KeyBlobByteOrder.LittleEndian)]
    [InlineData(128, KeyBlobByteOrder.BigEndian)]
    public void Serialise_read_enumerate_collect_and_restore_allocate_nothing(int count, KeyBlobByteOrder order)
    {
        KeyBlobKey[] keys = TestBlobs.Keys(count);
        byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(count)];
        byte[] region = new byte[blob.Length];
        var problems = new KeyBlobProblem[4];
        var options = new KeyBlobReadOptions { ByteOrder = order };

        long Run()
        {
            long total = 0;
            KeyBlobWriter.Write(keys, blob, new KeyBlobWriteOptions { ByteOrder = order }, out int written, out _);
            total += written;
            if (KeyBlobReader.TryRead(blob, options, out KeyBlob view, out _))
            {
                foreach (KeyBlobEntry entry in view)
                {
                    total += entry.Key[0] + entry.Description.Length;
                }
            }

            total += KeyBlobReader.CollectProblems(blob, options, problems);
            blob.CopyTo(region, 0);
            var sink = new CountingSink();
            total += KeyBlobRestorer.Restore(region, options, ref sink).KeysRestored + sink.Bytes;
            return total;
        }

        for (int i = 0; i < 50; i++)
        {
            Run();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long result = Run();
        long after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
        Assert.True(result > 0);
    }
}
