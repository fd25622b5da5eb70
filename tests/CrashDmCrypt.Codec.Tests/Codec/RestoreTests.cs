using CrashDmCrypt.Codec;
using static CrashDmCrypt.Tests.Shared.TestBlobs;

namespace CrashDmCrypt.Codec.Tests;

public class RestoreTests
{
    private sealed class RecordingSink : IKeyBlobSink
    {
        public List<(string Description, byte[] Key)> Seen { get; } = [];

        public int ThrowAt { get; init; } = -1;

        public void Add(KeyBlobEntry entry)
        {
            if (entry.Index == ThrowAt)
            {
                throw new InvalidOperationException("sink failed");
            }

            Seen.Add((System.Text.Encoding.ASCII.GetString(entry.Description), entry.Key.ToArray()));
        }
    }

    [Theory]
    [InlineData(KeyBlobByteOrder.LittleEndian)]
    [InlineData(KeyBlobByteOrder.BigEndian)]
    public void Hands_every_key_to_the_sink_then_clears_the_region(KeyBlobByteOrder order)
    {
        KeyBlobKey[] keys = Keys(5, keySize: 48);
        byte[] region = new byte[8192];
        region.AsSpan().Fill(0x77);
        TestWriter.Write(keys, region, order);
        var sink = new RecordingSink();

        KeyBlobRestoreResult result = KeyBlobRestorer.Restore(region, new KeyBlobReadOptions { ByteOrder = order }, ref sink);

        Assert.True(result.Succeeded);
        Assert.Equal(5, result.KeysRestored);
        Assert.Equal(keys.Select(k => System.Text.Encoding.ASCII.GetString(k.Description.Span)), sink.Seen.Select(s => s.Description));
        Assert.Equal(keys.Select(k => k.Key.ToArray()), sink.Seen.Select(s => s.Key));
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Refused_blob_reaches_no_sink_and_is_cleared()
    {
        byte[] region = Blob(3);
        PutU32(region, Entry(2), 999);
        var sink = new RecordingSink();

        KeyBlobRestoreResult result = KeyBlobRestorer.Restore(region, default, ref sink);

        Assert.False(result.Succeeded);
        Assert.Equal(new KeyBlobProblem { Error = KeyBlobError.KeySizeTooLarge, EntryIndex = 2, Offset = Entry(2) }, result.Problem);
        Assert.Empty(sink.Seen);
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Sink_that_throws_still_leaves_the_region_cleared()
    {
        byte[] region = Blob(4);
        var sink = new RecordingSink { ThrowAt = 2 };

        Assert.Throws<InvalidOperationException>(() => KeyBlobRestorer.Restore(region, default, ref sink));

        Assert.Equal(2, sink.Seen.Count);
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Delegate_form_and_misuse_also_clear()
    {
        byte[] region = Blob(2);
        int seen = 0;
        KeyBlobRestoreResult result = KeyBlobRestorer.Restore(region, default, entry => seen += entry.KeySize);
        Assert.True(result.Succeeded);
        Assert.Equal(128, seen);
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);

        region = Blob(2);
        Assert.Throws<ArgumentNullException>(() => KeyBlobRestorer.Restore(region, default, (KeyBlobEntryHandler)null!));
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);

        region = Blob(2);
        var sink = new RecordingSink();
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyBlobRestorer.Restore(region, new KeyBlobReadOptions { ByteOrder = (KeyBlobByteOrder)9 }, ref sink));
        Assert.True(region.AsSpan().IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Kernel_mode_restores_what_the_kdump_kernel_would_and_strict_refuses()
    {
        byte[] blob = Blob(2);
        PutDescription(blob, 1, Guid.Empty.ToString()); // not logon form: the kernel adds it as a user key anyway

        byte[] copy = (byte[])blob.Clone();
        var strictSink = new RecordingSink();
        Assert.False(KeyBlobRestorer.Restore(copy, default, ref strictSink).Succeeded);
        Assert.Empty(strictSink.Seen);

        var kernelSink = new RecordingSink();
        Assert.True(KeyBlobRestorer.Restore(blob, new KeyBlobReadOptions { Mode = KeyBlobMode.Kernel }, ref kernelSink).Succeeded);
        Assert.Equal(Guid.Empty.ToString(), kernelSink.Seen[1].Description);
    }

    [Fact]
    public void Secret_buffer_is_cleared_on_dispose()
    {
        var buffer = SecretBuffer.CopyOf([1, 2, 3]);
        Span<byte> before = buffer.Span;
        Assert.Equal(new byte[] { 1, 2, 3 }, before.ToArray());
        buffer.Dispose();
        Assert.True(before.IndexOfAnyExcept((byte)0) < 0);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Dispose();
    }
}
