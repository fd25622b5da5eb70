namespace CrashDmCrypt.Dumps.Tests;

internal static class TestData
{
    /// <summary>Bytes that are different at every position, so a misplaced read shows.</summary>
    public static byte[] Pattern(int length, int seed = 1)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static PhysicalMemory Open(byte[] bytes, DumpOpenOptions options = default)
    {
        Assert.True(DumpReader.TryOpen(bytes, options, out PhysicalMemory? memory, out DumpProblem problem), problem.ToString());
        return memory!;
    }

    public static DumpProblem Refuse(byte[] bytes, DumpOpenOptions options = default)
    {
        Assert.False(DumpReader.TryOpen(bytes, options, out PhysicalMemory? memory, out DumpProblem problem));
        Assert.Null(memory);
        return problem;
    }

    public static byte[] Read(PhysicalMemory memory, ulong address, int length)
    {
        byte[] buffer = new byte[length];
        Assert.True(memory.TryRead(address, buffer, out DumpProblem problem), problem.ToString());
        return buffer;
    }
}
