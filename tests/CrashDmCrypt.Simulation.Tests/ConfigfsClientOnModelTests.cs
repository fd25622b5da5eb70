using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The configfs client on the kernel model's configfs.</summary>
public sealed class ConfigfsClientOnModelTests
{
    [Fact]
    public void On_the_model_each_kernel_refusal_becomes_a_status_naming_the_key()
    {
        using var machine = new Machine();
        using FirstKernel first = machine.BootFirstKernel();
        var client = new ConfigfsClient(new ModelConfigfsBackend(first));

        Assert.True(client.AddKey("a", "cryptsetup:a").Succeeded);
        Assert.Equal(ConfigfsStatus.ItemExists, client.AddKey("a", "cryptsetup:a").Status);
        Assert.Equal(1, client.ReadCount().Value);
        Assert.Equal([new ConfigfsKeyItem("a", "cryptsetup:a")], client.ListKeys().Value);

        // count is read-only; reuse needs a loaded crash kernel with keys.
        Assert.Equal(LinuxErrno.EACCES, new ModelConfigfsBackend(first).WriteAttribute(null, "count", "2\n"u8));
        ConfigfsResult reuse = client.WriteReuse(true);
        Assert.Equal(ConfigfsStatus.KernelRefused, reuse.Status);
        Assert.Equal((ConfigfsOperation.WriteReuse, LinuxErrno.EINVAL), (reuse.Operation, reuse.Errno));

        first.LogonKeyring.Add("cryptsetup:a", [1]);
        Assert.True(first.LoadCrashKernel().Succeeded);
        using KdumpKernel kdump = first.Crash();
        var kdumpClient = new ConfigfsClient(new ModelConfigfsBackend(kdump));
        ConfigfsResult mkdir = kdumpClient.AddKey("b", "cryptsetup:b");
        Assert.Equal(ConfigfsStatus.PermissionDenied, mkdir.Status);
        Assert.Equal((ConfigfsOperation.MakeItem, "b", LinuxErrno.EPERM), (mkdir.Operation, mkdir.Item, mkdir.Errno));
        Assert.Equal(0, kdump.UserKeyring.Count);
        Assert.True(kdumpClient.Restore().Succeeded);
        Assert.Equal(1, kdump.UserKeyring.Count);
    }
}
