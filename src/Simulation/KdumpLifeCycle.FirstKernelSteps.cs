using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation.Provisioning;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>The first kernel's steps: boot, <c>prepare_luks</c>, the load and kdumpctl's EXIT trap, the hot-plug reload.</summary>
public static partial class KdumpLifeCycle
{
    private sealed partial class Runner
    {
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

        // 2. kdumpctl prepare_luks, through the same provisioner and configfs client as on a real system. The first
        // failure ends it; the EXIT trap (RemoveAllItems) is the caller's part.
        private ConfigfsStep Provision(FirstKernel first)
        {
            var client = new ConfigfsClient(new ModelConfigfsBackend(first));
            var provisioner = new LuksProvisioner(first.LogonKeyring, client) { Timeout = _options.KeyTimeout, Order = ProvisionOrder.Kdumpctl };
            ProvisionResult result = provisioner.Provision(_volumes.ConvertAll(v => v.Uuid));
            var items = new List<ConfigfsItemOutcome>(result.Volumes.Count);
            foreach (ProvisionedVolume volume in result.Volumes.Where(v => v.State != ProvisionVolumeState.Untouched))
            {
                items.Add(new ConfigfsItemOutcome
                {
                    Name = volume.Uuid,
                    Description = volume.Description,
                    LogonKeyLookup = volume.Lookup,
                    LogonKeySearch = volume.Search,
                    TimeoutSet = volume.Timeout ?? LinuxErrno.None,
                    Result = volume.Item,
                });
            }

            return new ConfigfsStep
            {
                ReuseBefore = result.Reuse,
                KeyTimeout = _options.KeyTimeout,
                Items = items,
                Count = result.Succeeded ? client.ReadCount() : null,
            };
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
    }
}
