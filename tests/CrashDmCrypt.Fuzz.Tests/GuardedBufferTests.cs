using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrashDmCrypt.Fuzz.Tests;

/// <summary>The guard pages: data ends exactly at a page boundary, and reading one byte past it kills the process.</summary>
public sealed class GuardedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(392)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(49_668)]
    [InlineData(200_000)]
    public unsafe void Tail_ends_exactly_at_a_page_boundary(int length)
    {
        using var buffer = new GuardedBuffer(1024);
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        Span<byte> placed = buffer.Place(data);

        Assert.Equal(length, placed.Length);
        Assert.True(placed.SequenceEqual(data));
        Assert.True(buffer.Capacity >= length);
        nint end = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(placed)) + length;
        Assert.Equal(0, end % Environment.SystemPageSize);
    }

    [Fact]
    public unsafe void Before_is_the_room_just_in_front_of_the_tail()
    {
        using var buffer = new GuardedBuffer(4096);
        Span<byte> tail = buffer.Tail(100);
        Span<byte> before = buffer.Before(100, 64);

        Assert.Equal(64, before.Length);
        nint beforeEnd = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(before)) + 64;
        Assert.Equal((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tail)), beforeEnd);

        // Never reaches into the lower guard page: at most capacity - tail bytes.
        Assert.Equal(buffer.Capacity - 100, buffer.Before(100, int.MaxValue).Length);
    }

    [Fact]
    public void Misuse_is_an_argument_exception()
    {
        using var buffer = new GuardedBuffer(4096);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Tail(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Before(buffer.Capacity + 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuardedBuffer(-1));
    }

    [Theory]
    [InlineData("ok-input", 0, "replay: 1 passed, 0 failed")]
    [InlineData("!over-read", 134, "AccessViolationException")]
    public async Task A_read_one_byte_past_the_input_is_a_crash_not_a_silent_success(string content, int expectedStatus, string expectedText)
    {
        string file = Path.Combine(Path.GetTempPath(), $"cdc-fuzz-guard-{Environment.ProcessId}-{expectedStatus}");
        File.WriteAllText(file, content);
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CrashDmCrypt.Fuzz.dll"));
            start.ArgumentList.Add("selftest-overread");
            start.ArgumentList.Add(file);
            start.Environment.Remove("__AFL_SHM_ID");
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.Equal(expectedStatus, process.ExitCode);
            Assert.Contains(expectedText, output + await errors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
