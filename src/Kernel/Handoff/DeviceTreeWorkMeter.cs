namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// Counts the bytes the device-tree reader examines, so tests can show the walk is linear in the tree's size
/// without timing it. The reader is generic over the meter, so the uncounted path costs nothing.
/// </summary>
internal interface IDeviceTreeWorkMeter
{
    /// <summary>Records that <paramref name="bytes"/> bytes were read or compared.</summary>
    void Add(int bytes);
}

/// <summary>The meter of the public entry points: counts nothing.</summary>
internal struct NoDeviceTreeWorkMeter : IDeviceTreeWorkMeter
{
    public readonly void Add(int bytes)
    {
    }
}

/// <summary>Sums the bytes examined.</summary>
internal struct DeviceTreeByteMeter : IDeviceTreeWorkMeter
{
    public long Examined { get; private set; }

    public void Add(int bytes) => Examined += bytes;
}
