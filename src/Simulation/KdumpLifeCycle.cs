using System.Globalization;
using System.Security.Cryptography;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Configfs;

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

    /// <summary>The logon keys' timeout; the run lets it pass between the load and the crash.</summary>
    public TimeSpan KeyTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>One step of the life cycle and what it showed.</summary>
/// <param name="Number">1..5, as in the seed commit.</param>
/// <param name="Title">What the step does.</param>
/// <param name="Succeeded">Whether it did it.</param>
/// <param name="Lines">What happened, one fact a line; never key bytes.</param>
public sealed record LifeCycleStep(int Number, string Title, bool Succeeded, IReadOnlyList<string> Lines);

/// <summary>The result of <see cref="KdumpLifeCycle.Run"/>.</summary>
/// <param name="Options">The settings used.</param>
/// <param name="Steps">The steps run, in order (a failed step ends the run).</param>
/// <param name="KeysProvisioned">Key items created in configfs.</param>
/// <param name="BlobSize">Blob size in bytes (0 when none was written).</param>
/// <param name="BlobAddress">Blob address (0 when none).</param>
/// <param name="KdumpCommandLine">The kdump kernel's command line, or null when the load failed.</param>
/// <param name="KeysRestored">Keys the kdump kernel added to the user keyring.</param>
/// <param name="VolumesOpened">Volumes cryptsetup opened with the restored keys.</param>
/// <param name="MemoryZeroised">Whether the blob's bytes in reserved memory were all zero after the restore.</param>
/// <param name="Succeeded">Whether every volume was opened and the blob wiped.</param>
/// <param name="Verdict">The final line.</param>
public sealed record LifeCycleReport(
    LifeCycleOptions Options,
    IReadOnlyList<LifeCycleStep> Steps,
    int KeysProvisioned,
    int BlobSize,
    ulong BlobAddress,
    string? KdumpCommandLine,
    int KeysRestored,
    int VolumesOpened,
    bool MemoryZeroised,
    bool Succeeded,
    string Verdict);

/// <summary>
/// Runs the seed commit's five steps on the model: unlock volumes and link their keys as logon keys, create
/// configfs items with <see cref="ConfigfsClient"/>, load the crash kernel, crash and restore, open the
/// volumes with the restored user keys, then check that no key is left in reserved memory. Deterministic for a seed.
/// </summary>
public static class KdumpLifeCycle
{
    // Lists longer than this print their first entries and a count.
    private const int ListedItems = 3;

    /// <summary>Runs the life cycle.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Keys outside 1..129 or a key size outside 1..256.</exception>
    public static LifeCycleReport Run(LifeCycleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Keys, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Keys, LifeCycleOptions.MaxKeys, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeySize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.KeySize, KeyBlobLayout.MaxKeySize, nameof(options));

        var run = new Runner(options);
        try
        {
            return run.Execute();
        }
        finally
        {
            run.Dispose();
        }
    }

    private sealed class Runner : IDisposable
    {
        private readonly LifeCycleOptions _options;
        private readonly ManualTimeProvider _clock = new();
        private readonly Machine _machine;
        private readonly List<LuksVolume> _volumes = [];
        private readonly List<LifeCycleStep> _steps = [];
        private FirstKernel? _first;
        private KdumpKernel? _kdump;

        public Runner(LifeCycleOptions options)
        {
            _options = options;
            _machine = new Machine(new KernelModelOptions
            {
                Seed = options.Seed,
                Clock = _clock,
                Handoff = options.Handoff,
                RestoreMode = options.RestoreMode,
            });
        }

        public LifeCycleReport Execute()
        {
            int provisioned = 0;
            int restored = 0;
            int opened = 0;
            bool zeroised = false;
            CrashImage? image = null;

            LifeCycleReport Report(string verdict, bool succeeded) => new(
                _options, _steps, provisioned, (int)(image?.DmCryptKeys.Size ?? 0), image?.DmCryptKeys.Start ?? 0,
                image?.CommandLine, restored, opened, zeroised, succeeded, verdict);

            // 1. Boot: cryptsetup unlocks each volume and links its volume key as a logon key with an expiry.
            _first = _machine.BootFirstKernel();
            var random = new Random(_options.Seed);
            var unlock = new List<string>
            {
                $"machine: {_machine.Memory.Range.Size >> 20} MiB of RAM at 0x{_machine.Memory.Range.Start:x}, crashkernel region {_machine.CrashKernelRegion}",
            };
            Span<byte> bytes = stackalloc byte[KeyBlobLayout.MaxKeySize];
            Span<byte> uuid = stackalloc byte[16];
            for (int i = 0; i < _options.Keys; i++)
            {
                random.NextBytes(uuid);
                random.NextBytes(bytes[.._options.KeySize]);
                var volume = new LuksVolume(LuksVolume.FormatUuid(uuid), bytes[.._options.KeySize]);
                _volumes.Add(volume);
                _first.LogonKeyring.Add(volume.KeyDescription, volume.VolumeKey, _options.KeyTimeout);
            }

            CryptographicOperations.ZeroMemory(bytes);
            unlock.Add(Invariant($"{_options.Keys} LUKS volume(s) unlocked; each {_options.KeySize}-byte volume key linked as a logon key (cryptsetup --link-vk-to-keyring), expiring in {_options.KeyTimeout.TotalMinutes:0} min:"));
            AddList(unlock, _volumes.ConvertAll(v => "logon key " + v.KeyDescription));
            _steps.Add(new LifeCycleStep(1, "Boot and unlock the encrypted volumes", true, unlock));

            // 2. kdump user space creates one configfs item per key, through the same client as on a real system.
            var client = new ConfigfsClient(new ModelConfigfsBackend(_first));
            var items = new List<string>();
            foreach (LuksVolume volume in _volumes)
            {
                ConfigfsResult added = client.AddKey(volume.Uuid, volume.KeyDescription);
                if (!added.Succeeded)
                {
                    items.Add($"refused: {added.Code} {added.Status}");
                    _steps.Add(new LifeCycleStep(2, "Create the configfs key items", false, items));
                    return Report($"FAIL: configfs refused key item {provisioned + 1}.", false);
                }

                provisioned++;
                foreach (string warning in WarningNames(added.Warnings))
                {
                    items.Add($"warning for {volume.Uuid}: {warning}");
                }
            }

            ConfigfsResult<int> count = client.ReadCount();
            items.Insert(0, Invariant($"mkdir {ConfigfsAttributes.DefaultRoot}/<UUID> and write its description, for {provisioned} key(s); count now reads {count.Value}"));
            _steps.Add(new LifeCycleStep(2, "Create the configfs key items", true, items));

            // 3. kexec_file_load of the crash kernel builds the blob and places it in reserved memory.
            KexecLoadResult load = _first.LoadCrashKernel();
            var loadLines = new List<string>();
            if (!load.Succeeded)
            {
                loadLines.Add("kexec_file_load failed: " + load.Message);
                _steps.Add(new LifeCycleStep(3, "Load the kdump kernel (kexec_file_load)", false, loadLines));
                return Report("FAIL: the crash kernel could not be loaded, so a crash would leave the volumes locked.", false);
            }

            image = load.Image!;
            int keysInBlob = (int)((image.DmCryptKeys.Size - KeyBlobLayout.HeaderSize) / KeyBlobLayout.EntrySize);
            loadLines.Add(Invariant($"blob: {image.DmCryptKeys.Size} bytes (4 + 388 x {keysInBlob}) at 0x{image.DmCryptKeys.Start:x}, a random 4 KiB-aligned place in the crashkernel region"));
            loadLines.Add(Invariant($"ELF core headers at 0x{image.ElfCoreHeader.Start:x}"));
            loadLines.Add("kdump kernel command line: " + image.CommandLine);
            if (image.DeviceTree is { } dtb)
            {
                loadLines.Add(Invariant($"kdump kernel device tree: {dtb.Length} bytes, /chosen/linux,dmcryptkeys = <0x{image.DmCryptKeys.Start:x} 0x{image.DmCryptKeys.Size:x}>"));
            }

            loadLines.Add(Invariant($"the first kernel keeps its own {_first.SavedCopySize}-byte plaintext copy in ordinary memory for the reuse path (a vmcore can contain it)"));
            if (load.Warnings.HasFlag(KexecLoadWarnings.BlobAboveKeyLimit))
            {
                loadLines.Add(Invariant($"warning: the blob holds {keysInBlob} keys; the kdump kernel refuses more than {KeyBlobLayout.MaxKeys}"));
            }

            _clock.Advance(_options.KeyTimeout + TimeSpan.FromMinutes(1));
            loadLines.Add(Invariant($"{_options.KeyTimeout.TotalMinutes + 1:0} min later the logon keys have expired; the blob waits in reserved memory"));
            _steps.Add(new LifeCycleStep(3, "Load the kdump kernel (kexec_file_load)", true, loadLines));

            // 4. The crash: the kdump initramfs writes yes to restore, then opens each volume from the user keyring.
            _kdump = _first.Crash();
            _first = null;
            var crashLines = new List<string> { "panic: the kdump kernel boots from the crashkernel region" };
            ConfigfsResult written = new ConfigfsClient(new ModelConfigfsBackend(_kdump)).Restore();
            KdumpRestoreOutcome outcome = _kdump.LastRestore!;
            crashLines.Add($"echo yes > {ConfigfsAttributes.DefaultRoot}/{ConfigfsAttributes.Restore}: write {(written.Succeeded ? "succeeded" : $"failed: {written.Code} {written.Status}")}");
            crashLines.Add("restore: " + outcome.Message);
            restored = outcome.KeysRestored;
            var failures = new List<string>();
            foreach (LuksVolume volume in _volumes)
            {
                string spec = Cryptsetup.VolumeKeyKeyringSpec(volume);
                CryptsetupStatus status = Cryptsetup.OpenWithVolumeKeyKeyring(_kdump.UserKeyring, volume, spec);
                if (status == CryptsetupStatus.Opened)
                {
                    opened++;
                }
                else
                {
                    failures.Add($"cryptsetup open --volume-key-keyring {spec}: {status}");
                }
            }

            crashLines.Add(Invariant($"cryptsetup open --volume-key-keyring %user:cryptsetup:<UUID>: {opened} of {_volumes.Count} volume(s) opened"));
            AddList(crashLines, failures);
            bool allOpened = opened == _volumes.Count;
            _steps.Add(new LifeCycleStep(4, "Crash, boot the kdump kernel and restore the keys", allOpened, crashLines));

            // 5. The dump goes to the encrypted target; then the machine reboots.
            zeroised = _machine.Memory.IsZero(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size);
            var rebootLines = new List<string>
            {
                allOpened ? "vmcore written to the encrypted dump target" : "the dump target stays locked; no vmcore",
                Invariant($"blob in reserved memory after the restore: {(zeroised ? "all zero" : "KEY BYTES LEFT")} ({image.DmCryptKeys.Size} bytes at 0x{image.DmCryptKeys.Start:x})"),
                "reboot: the kdump kernel's user keyring is zeroised",
            };
            _kdump.Dispose();
            _steps.Add(new LifeCycleStep(5, "Write the dump and reboot", allOpened && zeroised, rebootLines));

            if (allOpened && zeroised)
            {
                return Report(Invariant($"PASS: {opened} of {_volumes.Count} volume(s) unlocked in the kdump kernel with keys carried through reserved memory; no key left behind."), true);
            }

            string why = !outcome.Succeeded ? outcome.Message : !zeroised ? "key bytes were left in reserved memory" : "some volumes stayed locked";
            return Report(Invariant($"FAIL: {opened} of {_volumes.Count} volume(s) unlocked; {why}."), false);
        }

        public void Dispose()
        {
            _kdump?.Dispose();
            _first?.Dispose();
            foreach (LuksVolume volume in _volumes)
            {
                volume.Dispose();
            }

            _machine.Dispose();
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private static void AddList(List<string> lines, List<string> items)
        {
            for (int i = 0; i < items.Count && i < ListedItems; i++)
            {
                lines.Add("  " + items[i]);
            }

            if (items.Count > ListedItems)
            {
                lines.Add(Invariant($"  ... and {items.Count - ListedItems} more"));
            }
        }
    }

    // Interim: the words move to the CLI with the typed life-cycle results.
    private static IEnumerable<string> WarningNames(ConfigfsWarnings warnings)
    {
        if ((warnings & ConfigfsWarnings.ItemBeyondKeyLimit) != 0)
        {
            yield return "this is the 129th item: configfs accepts it, but the kdump kernel refuses a blob of more than 128 keys";
        }

        foreach (ConfigfsWarnings flag in Enum.GetValues<ConfigfsWarnings>())
        {
            if (flag is not ConfigfsWarnings.None and not ConfigfsWarnings.ItemBeyondKeyLimit && (warnings & flag) != 0)
            {
                yield return $"{ConfigfsWarningCodes.GetCode(flag)} {flag}";
            }
        }
    }
}
