namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>The byte orders a scan looks for.</summary>
[Flags]
public enum ScanByteOrders
{
    /// <summary>Little-endian blobs and entries.</summary>
    Little = 1,

    /// <summary>Big-endian blobs and entries.</summary>
    Big = 2,

    /// <summary>Both.</summary>
    Both = Little | Big,
}
