using System.Security.Cryptography;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// The model machine's RAM: one pinned array standing for physical addresses
/// <c>[BaseAddress, BaseAddress + Size)</c>. It survives the crash (it is the kdump kernel's "old memory")
/// and is zeroised on <see cref="Dispose"/>.
/// </summary>
internal sealed class ModelRam : IDisposable
{
    private readonly byte[] _bytes;

    /// <summary>Allocates <paramref name="size"/> zeroed, pinned bytes at <paramref name="baseAddress"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive, or the range passes 2^64.</exception>
    public ModelRam(ulong baseAddress, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(baseAddress, ulong.MaxValue - (ulong)size);
        _bytes = GC.AllocateArray<byte>(size, pinned: true);
        Range = new MemoryRange(baseAddress, (ulong)size);
    }

    /// <summary>The addresses this memory backs.</summary>
    public MemoryRange Range { get; }

    /// <summary>
    /// The bytes at <c>[address, address + length)</c>, or <see langword="false"/> when any of them is not
    /// backed by this memory (reading there on a real machine would fault or return garbage).
    /// </summary>
    public bool TryGetSpan(ulong address, ulong length, out Span<byte> span)
    {
        if (!Range.Contains(address, length))
        {
            span = default;
            return false;
        }

        span = _bytes.AsSpan(checked((int)(address - Range.Start)), checked((int)length));
        return true;
    }

    /// <summary>The bytes at <c>[address, address + length)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not wholly backed by this memory.</exception>
    public Span<byte> GetSpan(ulong address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (!TryGetSpan(address, (ulong)length, out Span<byte> span))
        {
            throw new ArgumentOutOfRangeException(nameof(address), $"[0x{address:x}, +{length}) is outside {Range}.");
        }

        return span;
    }

    /// <summary>Whether every byte of <c>[address, address + length)</c> is zero.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not wholly backed by this memory.</exception>
    public bool IsZero(ulong address, int length) => !GetSpan(address, length).ContainsAnyExcept((byte)0);

    /// <summary>Zeroises every byte.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);
}
