using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>The run itself: the model machine, the parts it owns, and the order of the five steps.</summary>
public static partial class KdumpLifeCycle
{
    private sealed partial class Runner : IDisposable
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
    }
}
