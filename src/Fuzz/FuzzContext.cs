using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Fuzz;

/// <summary>
/// Per-thread scratch memory of the targets: guarded pages for the input, for restore's copy and for the
/// writer's destination, and a pinned arena for key bytes. Allocated once, reused by every execution.
/// </summary>
internal sealed class FuzzContext : IDisposable
{
    [ThreadStatic]
    private static FuzzContext? t_current;

    /// <summary>Holds the input of the execution.</summary>
    public GuardedBuffer Input { get; } = new();

    /// <summary>Holds restore's copy, or the writer's destination.</summary>
    public GuardedBuffer Work { get; } = new();

    /// <summary>A second destination (the writer's throwing overload).</summary>
    public GuardedBuffer Spare { get; } = new();

    /// <summary>Pinned bytes for key sets and rewritten blobs (cleared after each use).</summary>
    public byte[] Arena { get; } = GC.AllocateArray<byte>(512 * 1024, pinned: true);

    /// <summary>Key set scratch over <see cref="Arena"/> (cleared after each use).</summary>
    public KeyBlobKey[] Keys { get; } = new KeyBlobKey[256];

    /// <summary>The calling thread's context.</summary>
    public static FuzzContext Current => t_current ??= new FuzzContext();

    public void Dispose()
    {
        Input.Dispose();
        Work.Dispose();
        Spare.Dispose();
    }
}
