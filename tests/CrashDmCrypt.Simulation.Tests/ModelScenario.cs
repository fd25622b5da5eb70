using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>A model machine with a booted first kernel and helpers to unlock volumes and provision configfs items.</summary>
internal sealed class ModelScenario : IDisposable
{
    public static readonly TimeSpan KeyTimeout = TimeSpan.FromMinutes(5);

    private readonly List<LuksVolume> _volumes = [];
    private KdumpKernel? _kdump;

    public ModelScenario(KernelModelOptions? options = null, IKeyring? logonKeyring = null)
    {
        Machine = new Machine((options ?? new KernelModelOptions()) with { Clock = Clock });
        First = Machine.BootFirstKernel(logonKeyring);
    }

    public ManualTimeProvider Clock { get; } = new();

    public Machine Machine { get; }

    public FirstKernel First { get; private set; }

    public IReadOnlyList<LuksVolume> Volumes => _volumes;

    public ConfigfsClient FirstClient => new(new ModelConfigfsBackend(First));

    /// <summary>A UUID made from <paramref name="n"/>, so tests can name volumes.</summary>
    public static string Uuid(int n) => $"00000000-0000-4000-8000-{n:x12}";

    /// <summary>Step 1: a volume whose key is linked as a logon key kdump-cryptsetup:vk-UUID (with the standard timeout).</summary>
    public LuksVolume Unlock(int n, int keySize = 64, TimeSpan? timeout = null)
    {
        byte[] key = new byte[keySize];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)((n * 31) + i + 1);
        }

        var volume = new LuksVolume(Uuid(n), key);
        _volumes.Add(volume);
        Assert.Equal(LinuxErrno.None, First.LogonKeyring.Add(volume.KeyDescription, key, timeout ?? KeyTimeout));
        return volume;
    }

    /// <summary>Steps 1 and 2 for <paramref name="count"/> volumes: unlock, then one configfs item each through the client.</summary>
    public void UnlockAndProvision(int count, int keySize = 64)
    {
        for (int n = 1; n <= count; n++)
        {
            LuksVolume volume = Unlock(n, keySize);
            ConfigfsResult added = FirstClient.AddKey(volume.Uuid, volume.KeyDescription);
            Assert.True(added.Succeeded, $"{volume.Uuid}: {added.Status} {added.Errno}");
        }
    }

    public KexecLoadResult LoadSucceeds()
    {
        KexecLoadResult load = First.LoadCrashKernel();
        Assert.True(load.Succeeded, $"{load.Failure} {load.Error} {load.FailedItem}");
        return load;
    }

    public KdumpKernel Crash()
    {
        _kdump = First.Crash();
        return _kdump;
    }

    /// <summary>Boots a kdump kernel with a hand-made handoff, as if the loader had written it.</summary>
    public KdumpKernel BootKdump(CrashImage image)
    {
        _kdump = new KdumpKernel(Machine, image);
        return _kdump;
    }

    public void Dispose()
    {
        _kdump?.Dispose();
        First.Dispose();
        foreach (LuksVolume volume in _volumes)
        {
            volume.Dispose();
        }

        Machine.Dispose();
    }
}
