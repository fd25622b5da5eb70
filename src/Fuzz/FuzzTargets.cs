using System.Diagnostics.CodeAnalysis;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Fuzz.Targets;

namespace CrashDmCrypt.Fuzz;

/// <summary>A fuzz target: returns on success, throws <see cref="InvariantViolationException"/> (or anything else) on a finding.</summary>
internal delegate void FuzzTarget(ReadOnlySpan<byte> input);

/// <summary>The targets by name, and the harness that runs one over guarded memory.</summary>
internal static class FuzzTargets
{
    /// <summary>Target names, in the order the usage text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["reader", "restore", "writer", "cmdline", "dtb", "dump-elf", "dump-kdump", "dump-flattened", "dump-lime", "dump-forms", "snappy-page"];

    public static bool TryGet(string name, [NotNullWhen(true)] out FuzzTarget? target)
    {
        target = name switch
        {
            "reader" => ReaderTarget.Run,
            "restore" => RestoreTarget.Run,
            "writer" => WriterTarget.Run,
            "cmdline" => CommandLineTarget.Run,
            "dtb" => DeviceTreeTarget.Run,
            "dump-elf" => DumpElfTarget.Run,
            "dump-kdump" => DumpKdumpTarget.Run,
            "dump-flattened" => DumpFlattenedTarget.Run,
            "dump-lime" => DumpLimeTarget.Run,
            "dump-forms" => DumpFormsTarget.Run,
            "snappy-page" => SnappyPageTarget.Run,
            "selftest-overread" => OverreadSelfTest,
            _ => null,
        };
        return target is not null;
    }

    /// <summary>
    /// Not a real target: reads one byte past an input that starts with <c>'!'</c>, to show that the guard page
    /// turns an over-read into a crash (the test suite and fuzz.sh's self-check run it).
    /// </summary>
    public static unsafe void OverreadSelfTest(ReadOnlySpan<byte> input)
    {
        // Touch the codec so the instrumented assembly reports coverage to AFL.
        _ = KeyBlobReader.TryRead(input, out _, out _);
        if (!input.IsEmpty && input[0] == (byte)'!')
        {
            fixed (byte* start = input)
            {
                _ = Volatile.Read(ref start[input.Length]);
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="input"/> so it ends at a guard page and runs <paramref name="target"/> on that copy:
    /// a read one byte past the input is a segmentation fault, not a silent success.
    /// </summary>
    public static void Execute(FuzzTarget target, ReadOnlySpan<byte> input)
    {
        ArgumentNullException.ThrowIfNull(target);
        GuardedBuffer buffer = FuzzContext.Current.Input;
        Span<byte> guarded = buffer.Place(input);
        try
        {
            target(guarded);
        }
        finally
        {
            guarded.Clear();
        }
    }
}
