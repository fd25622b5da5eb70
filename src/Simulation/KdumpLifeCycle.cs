using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Runs the seed commit's five steps on the model, the way kdump-utils drives them: unlock volumes and link
/// their keys as logon keys <c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>; <c>kdumpctl prepare_luks</c> (skip when
/// <c>reuse</c> reads 1, request each key, 300 s timeout, configfs item <c>&lt;UUID&gt;</c> through
/// <see cref="ConfigfsClient"/>); load the crash kernel, then remove every item as kdumpctl's EXIT trap does;
/// crash, write 1 to <c>restore</c> unless it reads 1, open the volumes with the restored user keys; check
/// that no key is left in reserved memory. Deterministic for a seed. Returns data only; the caller words it.
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
                // prepare_luks failed, so kdumpctl does not load; its EXIT trap still removes the items made so far.
                RemoveAllItems(_first);
                LifeCycleFailure why = configfs.Items[^1].LogonKeyLookup != LinuxErrno.None ? LifeCycleFailure.LogonKeyUnavailable : LifeCycleFailure.ConfigfsRefused;
                return new LifeCycleReport { Options = _options, Boot = boot, Configfs = configfs, Failure = why };
            }

            LoadStep load = Load(_first);
            if (!load.Succeeded)
            {
                return new LifeCycleReport { Options = _options, Boot = boot, Configfs = configfs, Load = load, Failure = LifeCycleFailure.LoadFailed };
            }

            var blobs = new List<MemoryRange> { load.Load.Image!.DmCryptKeys };
            HotplugStep? hotplug = null;
            if (_options.Hotplug != HotplugReload.None)
            {
                hotplug = Hotplug(_first, asWritten: _options.Hotplug == HotplugReload.KdumpUtilsReuseBug);
                if (hotplug.Reload?.Image is { HasKeys: true } reloaded && !blobs.Contains(reloaded.DmCryptKeys))
                {
                    blobs.Add(reloaded.DmCryptKeys);
                }

                if (_first.LoadedImage is null)
                {
                    return new LifeCycleReport { Options = _options, Boot = boot, Configfs = configfs, Load = load, Hotplug = hotplug, Failure = LifeCycleFailure.NoCrashKernel };
                }
            }

            _kdump = _first.Crash();
            _first = null;
            RestoreStep restore = Restore(_kdump);
            DumpStep dump = Dump(_kdump, blobs, restore.Succeeded);
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
                Hotplug = hotplug,
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

        // 1. Boot: systemd-cryptsetup unlocks each volume and links its volume key as a logon key (no expiry yet).
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
                    LinuxErrno linked = first.LogonKeyring.Add(volume.KeyDescription, volume.VolumeKey);
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
                Volumes = volumes,
            };
        }

        // 2. kdumpctl prepare_luks: nothing when reuse reads 1; else per volume keyctl request logon, keyctl timeout 300,
        // mkdir <UUID> and its description, through the same client as on a real system. The first failure ends it.
        private ConfigfsStep Provision(FirstKernel first)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            ConfigfsResult<bool> reuse = client.ReadReuse();
            var items = new List<ConfigfsItemOutcome>(_volumes.Count);
            ConfigfsStep Step(ConfigfsResult<int>? count) => new() { ReuseBefore = reuse, KeyTimeout = _options.KeyTimeout, Items = items, Count = count };
            if (reuse.Succeeded && reuse.Value)
            {
                return Step(client.ReadCount());
            }

            foreach (LuksVolume volume in _volumes)
            {
                LinuxErrno lookup = first.LogonKeyring.RequestKey(volume.KeyDescription, out _);
                if (lookup != LinuxErrno.None)
                {
                    // _get_luks_key_by_unlock would ask for the passphrase; the model has none to give.
                    items.Add(new ConfigfsItemOutcome { Name = volume.Uuid, Description = volume.KeyDescription, LogonKeyLookup = lookup });
                    return Step(null);
                }

                LinuxErrno timeout = first.LogonKeyring.SetTimeout(volume.KeyDescription, _options.KeyTimeout);
                ConfigfsResult added = client.AddKey(volume.Uuid, volume.KeyDescription);
                items.Add(new ConfigfsItemOutcome { Name = volume.Uuid, Description = volume.KeyDescription, TimeoutSet = timeout, Result = added });
                if (!added.Succeeded)
                {
                    return Step(null);
                }
            }

            return Step(client.ReadCount());
        }

        // kdumpctl's EXIT trap: find $LUKS_CONFIGFS/ -mindepth 1 -type d -delete. Returns the items removed.
        private static int RemoveAllItems(FirstKernel first)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> listed = client.ListKeys();
            int removed = 0;
            foreach (ConfigfsKeyItem item in listed.Succeeded ? listed.Value : [])
            {
                if (client.RemoveKey(item.Name).Succeeded)
                {
                    removed++;
                }
            }

            return removed;
        }

        // 3. kexec_file_load of the crash kernel builds the blob and places it in reserved memory; kdumpctl exits and
        // its trap removes the items; then the keys expire.
        private LoadStep Load(FirstKernel first)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            KexecLoadResult load = first.LoadCrashKernel();
            int removed = RemoveAllItems(first);
            if (!load.Succeeded)
            {
                return new LoadStep { Load = load, ItemsRemoved = removed, CountAfterCleanup = client.ReadCount() };
            }

            CrashImage image = load.Image!;
            bool intact = !image.HasKeys
                || _machine.Memory.GetSpan(image.DmCryptKeys.Start, (int)image.DmCryptKeys.Size).SequenceEqual(first.SavedCopy.Span);

            DmCryptKeysRange? handed = null;
            if (image.DeviceTree is { } dtb && DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out _))
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
                ItemsRemoved = removed,
                CountAfterCleanup = client.ReadCount(),
                BlobIntactAfterCleanup = intact,
                Waited = wait,
                LogonKeyAfterWait = first.LogonKeyring.RequestKey(_volumes[0].KeyDescription, out _),
            };
        }

        // Between 3 and 4: a CPU hot-plug once the keys have expired. kdump-udev-throttler: reuse_luks_keys;
        // kdumpctl reload (stop_kdump unloads, then prepare_luks and the load; the EXIT trap); unuse_luks_keys.
        // As written, both reuse writes are guarded by [[ -f reuse ]] || ..., which the existing file never passes.
        private HotplugStep Hotplug(FirstKernel first, bool asWritten)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            ConfigfsResult? reuse = asWritten ? null : client.WriteReuse(true);
            first.UnloadCrashKernel();
            ConfigfsStep prepare = Provision(first);
            KexecLoadResult? reload = prepare.Succeeded ? first.LoadCrashKernel() : null;
            int removed = RemoveAllItems(first);
            ConfigfsResult? unuse = asWritten ? null : client.WriteReuse(false);
            return new HotplugStep
            {
                AsWritten = asWritten,
                ReuseWrite = reuse,
                Prepare = prepare,
                Reload = reload,
                ItemsRemoved = removed,
                UnuseWrite = unuse,
            };
        }

        // 4. The crash: kexec-crypt-setup.sh writes 1 to restore unless it reads 1; a udev rule opens each volume from the user keyring.
        private RestoreStep Restore(KdumpKernel kdump)
        {
            var backend = new ModelConfigfsBackend(kdump);
            ConfigfsResult<bool> before = new ConfigfsClient(backend).ReadRestore();
            bool write = !(before.Succeeded && before.Value);
            LinuxErrno written = write
                ? backend.WriteAttribute(null, ConfigfsAttributes.Restore, Encoding.ASCII.GetBytes(KdumpUtils.RestoreValue + "\n"))
                : LinuxErrno.None;
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

            return new RestoreStep { RestoreBefore = before, RestoreWritten = write, RestoreWriteError = written, Outcome = kdump.LastRestore!, Volumes = opened };
        }

        // 5. The dump goes to the encrypted target; no blob range may hold a key byte; then the machine reboots.
        private DumpStep Dump(KdumpKernel kdump, List<MemoryRange> blobs, bool targetOpen)
        {
            int nonZero = 0;
            foreach (MemoryRange range in blobs)
            {
                ReadOnlySpan<byte> blob = _machine.Memory.GetSpan(range.Start, (int)range.Size);
                nonZero += blob.Length - blob.Count((byte)0);
            }

            int userKeys = kdump.UserKeyring.Count;
            kdump.Dispose();
            return new DumpStep { VmcoreWritten = targetOpen, Blobs = blobs, NonZeroBytes = nonZero, UserKeysZeroised = userKeys };
        }
    }
}
