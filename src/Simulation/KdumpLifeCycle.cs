using System.Security.Cryptography;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Runs the seed commit's five steps on the model: unlock volumes and link their keys as logon keys, create
/// configfs items with <see cref="ConfigfsClient"/>, load the crash kernel, crash and restore, open the
/// volumes with the restored user keys, then check that no key is left in reserved memory. Deterministic for
/// a seed. Returns data only; the caller words it.
/// </summary>
public static class KdumpLifeCycle
{
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

        using var run = new Runner(options);
        return run.Execute();
    }

    private sealed class Runner : IDisposable
    {
        private readonly LifeCycleOptions _options;
        private readonly ManualTimeProvider _clock = new();
        private readonly Machine _machine;
        private readonly List<LuksVolume> _volumes = [];
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
            _first = _machine.BootFirstKernel();
            BootStep boot = Boot(_first);
            ConfigfsStep configfs = Provision(_first);
            if (!configfs.Succeeded)
            {
                return new LifeCycleReport { Options = _options, Boot = boot, Configfs = configfs, Failure = LifeCycleFailure.ConfigfsRefused };
            }

            LoadStep load = Load(_first);
            if (!load.Succeeded)
            {
                return new LifeCycleReport { Options = _options, Boot = boot, Configfs = configfs, Load = load, Failure = LifeCycleFailure.LoadFailed };
            }

            _kdump = _first.Crash();
            _first = null;
            RestoreStep restore = Restore(_kdump);
            DumpStep dump = Dump(_kdump, load.Load.Image!, restore.Succeeded);
            LifeCycleFailure failure = !restore.Outcome.Succeeded ? LifeCycleFailure.RestoreFailed
                : !dump.BlobZeroised ? LifeCycleFailure.KeyBytesLeft
                : !restore.Succeeded ? LifeCycleFailure.VolumesLocked
                : LifeCycleFailure.None;
            return new LifeCycleReport
            {
                Options = _options,
                Boot = boot,
                Configfs = configfs,
                Load = load,
                Restore = restore,
                Dump = dump,
                Failure = failure,
            };
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

        // 1. Boot: cryptsetup unlocks each volume and links its volume key as a logon key with an expiry.
        private BootStep Boot(FirstKernel first)
        {
            var random = new Random(_options.Seed);
            var volumes = new List<LifeCycleVolume>(_options.Keys);
            Span<byte> bytes = stackalloc byte[KeyBlobLayout.MaxKeySize];
            Span<byte> uuid = stackalloc byte[16];
            try
            {
                for (int i = 0; i < _options.Keys; i++)
                {
                    random.NextBytes(uuid);
                    random.NextBytes(bytes[.._options.KeySize]);
                    var volume = new LuksVolume(LuksVolume.FormatUuid(uuid), bytes[.._options.KeySize]);
                    _volumes.Add(volume);
                    LinuxErrno linked = first.LogonKeyring.Add(volume.KeyDescription, volume.VolumeKey, _options.KeyTimeout);
                    volumes.Add(new LifeCycleVolume { Uuid = volume.Uuid, KeyDescription = volume.KeyDescription, KeySize = volume.KeySize, LinkError = linked });
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
            }

            return new BootStep
            {
                Memory = _machine.Memory.Range,
                CrashKernelRegion = _machine.CrashKernelRegion,
                KeyTimeout = _options.KeyTimeout,
                Volumes = volumes,
            };
        }

        // 2. kdump user space creates one configfs item per key, through the same client as on a real system.
        private ConfigfsStep Provision(FirstKernel first)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            var items = new List<ConfigfsItemOutcome>(_volumes.Count);
            foreach (LuksVolume volume in _volumes)
            {
                ConfigfsResult added = client.AddKey(volume.Uuid, volume.KeyDescription);
                items.Add(new ConfigfsItemOutcome { Name = volume.Uuid, Description = volume.KeyDescription, Result = added });
                if (!added.Succeeded)
                {
                    return new ConfigfsStep { Items = items };
                }
            }

            return new ConfigfsStep { Items = items, Count = client.ReadCount() };
        }

        // 3. kexec_file_load of the crash kernel builds the blob and places it in reserved memory; then the keys expire.
        private LoadStep Load(FirstKernel first)
        {
            KexecLoadResult load = first.LoadCrashKernel();
            if (!load.Succeeded)
            {
                return new LoadStep { Load = load };
            }

            DmCryptKeysRange? handed = null;
            if (load.Image!.DeviceTree is { } dtb && DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out _))
            {
                handed = range;
            }

            TimeSpan wait = _options.KeyTimeout + TimeSpan.FromMinutes(1);
            _clock.Advance(wait);
            return new LoadStep
            {
                Load = load,
                DeviceTreeRange = handed,
                SavedCopySize = first.SavedCopySize,
                Waited = wait,
                LogonKeyAfterWait = first.LogonKeyring.RequestKey(_volumes[0].KeyDescription, out _),
            };
        }

        // 4. The crash: the kdump initramfs writes yes to restore, then opens each volume from the user keyring.
        private RestoreStep Restore(KdumpKernel kdump)
        {
            ConfigfsResult written = new ConfigfsClient(new ModelConfigfsBackend(kdump)).Restore();
            var opened = new List<CryptsetupOpenResult>(_volumes.Count);
            foreach (LuksVolume volume in _volumes)
            {
                string spec = Cryptsetup.VolumeKeyKeyringSpec(volume);
                opened.Add(new CryptsetupOpenResult
                {
                    Uuid = volume.Uuid,
                    KeyringSpec = spec,
                    Status = Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, spec),
                });
            }

            return new RestoreStep { RestoreWrite = written, Outcome = kdump.LastRestore!, Volumes = opened };
        }

        // 5. The dump goes to the encrypted target; the blob's range must hold no key byte; then the machine reboots.
        private DumpStep Dump(KdumpKernel kdump, CrashImage image, bool targetOpen)
        {
            ReadOnlySpan<byte> blob = _machine.Memory.GetSpan(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size);
            int nonZero = blob.Length - blob.Count((byte)0);
            int userKeys = kdump.UserKeyring.Count;
            kdump.Dispose();
            return new DumpStep { VmcoreWritten = targetOpen, Blob = image.DmCryptKeys, NonZeroBytes = nonZero, UserKeysZeroised = userKeys };
        }
    }
}
