using System.Buffers;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Tests.Shared;

/// <summary>Writes a blob that a test knows to be valid; any other status fails the test with the writer's problem.</summary>
internal static class TestWriter
{
    public static int Write(ReadOnlySpan<KeyBlobKey> keys, Span<byte> destination, KeyBlobByteOrder byteOrder = KeyBlobByteOrder.LittleEndian)
    {
        OperationStatus status = KeyBlobWriter.Write(keys, destination, new KeyBlobWriteOptions { ByteOrder = byteOrder }, out int written, out KeyBlobProblem problem);
        return status == OperationStatus.Done ? written : throw new InvalidOperationException($"{status}: {problem}");
    }
}
