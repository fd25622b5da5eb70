using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Simulation;

/// <summary>Settings of one <see cref="KdumpLifeCycle.Run"/>.</summary>
public sealed record LifeCycleOptions
{
    /// <summary>Most volumes a run accepts: one more than the blob can hold, to show the 129th-item quirk.</summary>
    public const int MaxKeys = KeyBlobLayout.MaxKeys + 1;

    /// <summary>Number of LUKS volumes (and keys), 1..129.</summary>
    public int Keys { get; init; } = 2;

    /// <summary>Seed of the volumes' UUIDs and keys and of the blob's placement.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Bytes per volume key (64: aes-xts-plain64 with a 512-bit key, LUKS2's default).</summary>
    public int KeySize { get; init; } = 64;

    /// <summary>How the address reaches the kdump kernel.</summary>
    public KdumpHandoff Handoff { get; init; } = KdumpHandoff.CommandLine;

    /// <summary>How the kdump kernel reads the blob.</summary>
    public KeyBlobMode RestoreMode { get; init; } = KeyBlobMode.Strict;

    /// <summary>Whether a hot-plug reloads the crash kernel after the keys expired, and with which kdump-utils behaviour.</summary>
    public HotplugReload Hotplug { get; init; }

    /// <summary>The timeout <c>kdumpctl prepare_luks</c> sets on each logon key (300 s); the run lets it pass between the load and the crash.</summary>
    public TimeSpan KeyTimeout { get; init; } = KdumpUtils.KeyTimeout;
}
