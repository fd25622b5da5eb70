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

    /// <summary>Where the keys live: the model's keyrings, or the real kernel's (<see cref="KeyringBackend.Kernel"/>).</summary>
    public KeyringBackend Keyring { get; init; }

    /// <summary>What the volumes are: the model's, or real LUKS2 images checked by cryptsetup (<see cref="LuksBackend.Cryptsetup"/>).</summary>
    public LuksBackend Luks { get; init; }

    /// <summary>The cryptsetup program for <see cref="LuksBackend.Cryptsetup"/>; null finds it (<see cref="Real.CryptsetupTool.Find"/>).</summary>
    public string? CryptsetupPath { get; init; }

    /// <summary>Where the temporary folder of LUKS2 images is made; null: the system's temporary folder (<c>TMPDIR</c>).</summary>
    public string? TemporaryFolder { get; init; }

    /// <summary>
    /// Test hook: flip the lowest bit of the first key byte of this blob entry in reserved memory after the load,
    /// as damaged memory would; the restore then hands over a wrong key, which the checks must refuse. -1 (the
    /// default) leaves the blob alone.
    /// </summary>
    internal int CorruptKeyOfEntry { get; init; } = -1;
}
