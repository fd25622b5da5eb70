using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Runs the five steps of the key life cycle on the model, the way kdump-utils drives them: unlock volumes and link
/// their keys as logon keys <c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>; <c>kdumpctl prepare_luks</c> (skip when
/// <c>reuse</c> reads 1, request each key, 300 s timeout, configfs item <c>&lt;UUID&gt;</c> through
/// <see cref="ConfigfsClient"/>); load the crash kernel, then remove every item as kdumpctl's EXIT trap does;
/// crash, write 1 to <c>restore</c> unless it reads 1, open the volumes with the restored user keys; check
/// that no key is left in reserved memory. Deterministic for a seed. Returns data only; the caller words it.
/// </summary>
public static class KdumpLifeCycle
{
    // The run gives each real logon key this timeout after the load and waits for the kernel to expire it.
    private static readonly TimeSpan RealKeyTimeout = TimeSpan.FromSeconds(1);

    // Longest the run waits for that; the kernel counts expiry in whole seconds.
    private static readonly TimeSpan RealExpiryWait = TimeSpan.FromSeconds(5);

    /// <summary>Runs the life cycle.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Keys outside 1..129 or a key size outside 1..256.</exception>
    /// <exception cref="InvalidOperationException">The options ask for a real part (kernel keyring, cryptsetup) that is not there; <see cref="TryRun"/> reports that instead.</exception>
    public static LifeCycleReport Run(LifeCycleOptions options)
    {
        if (!TryRun(options, CancellationToken.None, out LifeCycleReport? report, out RealPartsProblem problem))
        {
            throw new InvalidOperationException($"The real parts are not available: keyring {problem.Keyring}, cryptsetup {problem.Luks}.");
        }

        return report;
    }

    /// <summary>
    /// Runs the life cycle with the real parts <paramref name="options"/> asks for. Returns false, with the reason in
    /// <paramref name="problem"/> and nothing run, when the kernel has no usable keyring or cryptsetup is missing.
    /// Temporary LUKS images and private keyrings are removed on every path, a cancellation included.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Keys outside 1..129 or a key size outside 1..256.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled; everything made so far is removed first.</exception>
    public static bool TryRun(LifeCycleOptions options, CancellationToken cancel, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LifeCycleReport? report, out RealPartsProblem problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Keys, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Keys, LifeCycleOptions.MaxKeys, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeySize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.KeySize, KeyBlobLayout.MaxKeySize, nameof(options));

        report = null;
        problem = default;
        PrivateKeyringSession? firstKernelKeys = null;
        PrivateKeyringSession? kdumpKernelKeys = null;
        LuksImageFolder? images = null;
        try
        {
            if (options.Keyring == KeyringBackend.Kernel)
            {
                // One session for each kernel: the kdump kernel starts with none of the first kernel's keys.
                KeyringResult opened = PrivateKeyringSession.Open(out firstKernelKeys);
                if (opened.Succeeded)
                {
                    opened = PrivateKeyringSession.Open(out kdumpKernelKeys);
                }

                if (!opened.Succeeded)
                {
                    problem = problem with { Keyring = opened };
                    return false;
                }
            }

            if (options.Luks == LuksBackend.Cryptsetup)
            {
                LuksCheckResult created = LuksImageFolder.Create(out images, options.CryptsetupPath, options.TemporaryFolder);
                if (!created.Succeeded)
                {
                    problem = problem with { Luks = created };
                    return false;
                }
            }

            using var run = new Runner(options, firstKernelKeys, kdumpKernelKeys, images, cancel);
            firstKernelKeys = null;
            kdumpKernelKeys = null;
            images = null;
            report = run.Execute();
            return true;
        }
        finally
        {
            firstKernelKeys?.Dispose();
            kdumpKernelKeys?.Dispose();
            images?.Dispose();
        }
    }

    private sealed class Runner : IDisposable
    {
        private readonly LifeCycleOptions _options;
        private readonly ManualTimeProvider _clock = new();
        private readonly Machine _machine;
        private readonly List<LuksVolume> _volumes = [];
        private readonly Dictionary<LuksVolume, LuksImage> _images = [];
        private readonly CancellationToken _cancel;
        private PrivateKeyringSession? _firstKernelKeys;
        private readonly PrivateKeyringSession? _kdumpKernelKeys;
        private readonly LuksImageFolder? _folder;
        private FirstKernel? _first;
        private KdumpKernel? _kdump;

        // Takes ownership of the sessions and the folder.
        public Runner(LifeCycleOptions options, PrivateKeyringSession? firstKernelKeys, PrivateKeyringSession? kdumpKernelKeys, LuksImageFolder? folder, CancellationToken cancel)
        {
            _options = options;
            _firstKernelKeys = firstKernelKeys;
            _kdumpKernelKeys = kdumpKernelKeys;
            _folder = folder;
            _cancel = cancel;
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
            // The first kernel's logon keyring owns its session from here on.
            _first = _machine.BootFirstKernel(_firstKernelKeys is { } keys ? new KernelLogonKeyring(keys, _clock) : null);
            _firstKernelKeys = null;
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

            CorruptKeyInReservedMemory(_first.LoadedImage!);
            _cancel.ThrowIfCancellationRequested();
            _kdump = _first.Crash(_kdumpKernelKeys);
            _first = null;
            RestoreStep restore = Restore(_kdump);
            DumpStep dump = Dump(_kdump, blobs, restore.Succeeded);
            LifeCycleFailure failure = !restore.Outcome.Succeeded ? LifeCycleFailure.RestoreFailed
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
            _firstKernelKeys?.Dispose();
            _kdumpKernelKeys?.Dispose();
            _folder?.Dispose();
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
                    _cancel.ThrowIfCancellationRequested();
                    random.NextBytes(uuid);
                    random.NextBytes(bytes[.._options.KeySize]);
                    var volume = new LuksVolume(LuksVolume.FormatUuid(uuid), bytes[.._options.KeySize]);
                    _volumes.Add(volume);
                    LuksCheckResult? image = null;
                    if (_folder is not null)
                    {
                        // cryptsetup luksFormat --volume-key-file: a real LUKS2 header for this very volume key.
                        image = _folder.CreateImage(volume.Uuid, volume.VolumeKey, out LuksImage? made);
                        if (made is not null)
                        {
                            _images[volume] = made;
                        }
                    }

                    LinuxErrno linked = first.LogonKeyring.Add(volume.KeyDescription, volume.VolumeKey);
                    var real = first.LogonKeyring as KernelLogonKeyring;
                    volumes.Add(new LifeCycleVolume
                    {
                        Uuid = volume.Uuid,
                        KeyDescription = volume.KeyDescription,
                        KeySize = volume.KeySize,
                        LinkError = linked,
                        LogonKeySerial = real?.SerialOf(volume.KeyDescription).Value ?? 0,
                        ReadBackError = real is null || linked != LinuxErrno.None ? LinuxErrno.None : real.ReadBack(volume.KeyDescription),
                        LuksImage = image,
                    });
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
                    // _get_luks_key_by_unlock would ask for the passphrase; the model has none to give. keyctl search
                    // tells an expired key (EKEYEXPIRED) from a missing one; request_key says ENOKEY for both.
                    LinuxErrno search = first.LogonKeyring.Search(Encoding.UTF8.GetBytes(volume.KeyDescription));
                    items.Add(new ConfigfsItemOutcome { Name = volume.Uuid, Description = volume.KeyDescription, LogonKeyLookup = lookup, LogonKeySearch = search });
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
                return new LoadStep { Load = load, ItemsRemoved = removed, CountAfterCleanup = client.ReadCount(), FirstKernelPlaintextCopies = first.PlaintextLeftBehind };
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
            TimeSpan? realTimeout = null;
            if (first.LogonKeyring is KernelLogonKeyring)
            {
                WaitForRealExpiry(first.LogonKeyring);
                realTimeout = RealKeyTimeout;
            }

            byte[] firstDescription = Encoding.UTF8.GetBytes(_volumes[0].KeyDescription);
            return new LoadStep
            {
                Load = load,
                DeviceTreeRange = handed,
                SavedCopySize = first.SavedCopySize,
                FirstKernelPlaintextCopies = first.PlaintextLeftBehind,
                ItemsRemoved = removed,
                CountAfterCleanup = client.ReadCount(),
                BlobIntactAfterCleanup = intact,
                Waited = wait,
                LogonKeyAfterWait = first.LogonKeyring.RequestKey(firstDescription, out _),
                LogonKeySearchAfterWait = first.LogonKeyring.Search(firstDescription),
                RealKeyTimeout = realTimeout,
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
                _cancel.ThrowIfCancellationRequested();
                string spec = Cryptsetup.VolumeKeyKeyringSpec(volume);
                opened.Add(kdump.RealUserKeys is { } session ? OpenWithRealKey(session, volume, spec)
                    : _folder is null ? new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, spec) }
                    : OpenWithModelKey(kdump.UserKeyring, volume, spec));
            }

            return new RestoreStep { RestoreBefore = before, RestoreWritten = write, RestoreWriteError = written, Outcome = kdump.LastRestore!, Volumes = opened, KdumpPlaintextCopies = [.. kdump.PlaintextLeftBehind] };
        }

        // With the real keyring: cryptsetup's request_key finds the user key; it is read back into pinned stack memory,
        // compared with the volume key in constant time and, with real images, checked by cryptsetup; then revoked.
        private CryptsetupOpenResult OpenWithRealKey(PrivateKeyringSession session, LuksVolume volume, string spec)
        {
            KeyringResult<KeySerial> found = session.RequestKey(KeyType.User, volume.KeyDescription);
            if (!found.Succeeded)
            {
                CryptsetupStatus missing = found.Errno == LinuxErrno.EKEYEXPIRED ? CryptsetupStatus.KeyExpired : CryptsetupStatus.KeyNotFound;
                return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = missing };
            }

            Span<byte> key = stackalloc byte[KeyBlobLayout.MaxKeySize];
            KeyringResult<int> read = default;
            bool? matches = null;
            LuksCheckResult? check = null;
            try
            {
                read = session.Read(found.Value, key);
                if (read.Succeeded)
                {
                    ReadOnlySpan<byte> restored = key[..read.Value];
                    matches = volume.Accepts(restored);
                    check = CheckImage(volume, restored);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }

            // Done with the key: the kernel wipes a revoked key's payload.
            LinuxErrno revoked = session.Revoke(found.Value).Errno;
            return new CryptsetupOpenResult
            {
                Uuid = volume.Uuid,
                KeyringSpec = spec,
                Status = Verdict(read.Succeeded, matches, check),
                UserKeySerial = found.Value.Value,
                ReadBackError = read.Errno,
                KeyMatches = matches,
                LuksCheck = check,
                Revoked = revoked,
            };
        }

        // The model's user keyring with real images: the model finds the key, cryptsetup checks it.
        private CryptsetupOpenResult OpenWithModelKey(Keyring userKeyring, LuksVolume volume, string spec)
        {
            CryptsetupStatus found = Cryptsetup.FindVolumeKey(userKeyring, spec, out ReadOnlyMemory<byte> key);
            if (found != CryptsetupStatus.Opened)
            {
                return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = found };
            }

            bool matches = volume.Accepts(key.Span);
            LuksCheckResult? check = CheckImage(volume, key.Span);
            return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = Verdict(true, matches, check), KeyMatches = matches, LuksCheck = check };
        }

        // cryptsetup's own check of the key against the volume's LUKS2 header; null without real images.
        private LuksCheckResult? CheckImage(LuksVolume volume, ReadOnlySpan<byte> key)
        {
            if (_folder is null)
            {
                return null;
            }

            return _images.TryGetValue(volume, out LuksImage? image)
                ? _folder.VerifyVolumeKey(image, key)
                : LuksCheckResult.Fail(LuksCheckStatus.NoImage);
        }

        private static CryptsetupStatus Verdict(bool read, bool? matches, LuksCheckResult? check) =>
            !read ? CryptsetupStatus.CheckFailed
            : check is { Status: LuksCheckStatus.KeyMismatch or LuksCheckStatus.KeySizeMismatch } || matches == false ? CryptsetupStatus.WrongKey
            : check is { Succeeded: false } ? CryptsetupStatus.CheckFailed
            : CryptsetupStatus.Opened;

        // The real kernel decides expiry: give every logon key a short timeout and poll keyctl search until the
        // kernel reports the first one expired (or the wait runs out; the step then shows what request_key said).
        private void WaitForRealExpiry(IKeyring logon)
        {
            foreach (LuksVolume volume in _volumes)
            {
                logon.SetTimeout(volume.KeyDescription, RealKeyTimeout);
            }

            byte[] description = Encoding.UTF8.GetBytes(_volumes[^1].KeyDescription);
            var waited = Stopwatch.StartNew();
            while (logon.Search(description) == LinuxErrno.None && waited.Elapsed < RealExpiryWait)
            {
                _cancel.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100));
                _cancel.ThrowIfCancellationRequested();
            }
        }

        // The test hook: damage one key byte of the blob in reserved memory, as a bad memory cell would.
        private void CorruptKeyInReservedMemory(CrashImage image)
        {
            int entry = _options.CorruptKeyOfEntry;
            if (entry < 0 || !image.HasKeys || entry >= image.KeyCount)
            {
                return;
            }

            ulong at = image.DmCryptKeys.Start + (ulong)KeyBlobLayout.GetEntryOffset(entry) + KeyBlobLayout.DataOffset;
            _machine.Memory.GetSpan(at, 1)[0] ^= 1;
        }

        // 5. The dump goes to the encrypted target; what the blob ranges still hold is counted (the kernel never writes
        // old memory, so the blob stays; the crashkernel region is not in the vmcore); then the machine reboots.
        private DumpStep Dump(KdumpKernel kdump, List<MemoryRange> blobs, bool targetOpen)
        {
            int nonZero = 0;
            foreach (MemoryRange range in blobs)
            {
                ReadOnlySpan<byte> blob = _machine.Memory.GetSpan(range.Start, (int)range.Size);
                nonZero += blob.Length - blob.Count((byte)0);
            }

            int userKeys = kdump.UserKeyCount;
            kdump.Dispose();
            return new DumpStep { VmcoreWritten = targetOpen, Blobs = blobs, NonZeroBytes = nonZero, UserKeysZeroised = userKeys };
        }
    }
}
