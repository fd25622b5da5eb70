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

    [Fact]
    public void A_zero_byte_write_fails_with_EFAULT_before_store_runs()
    {
        // fs/configfs/file.c:196 (fill_write_buffer: copied ? : -EFAULT) and :227-229 (store runs only for len > 0).
        using var machine = new Machine();
        using FirstKernel first = machine.BootFirstKernel();
        var backend = new ModelConfigfsBackend(first);
        Assert.Equal(LinuxErrno.None, backend.MakeItem("a"));
        Assert.Equal(LinuxErrno.EFAULT, backend.WriteAttribute("a", "description", []));
        Assert.Equal(LinuxErrno.EFAULT, backend.WriteAttribute(null, "reuse", []));
        Assert.Equal(LinuxErrno.EACCES, backend.WriteAttribute(null, "count", []));

        first.LogonKeyring.Add("cryptsetup:a", [1]);
        Assert.Equal(LinuxErrno.None, backend.WriteAttribute("a", "description", "cryptsetup:a"u8));
        Assert.True(first.LoadCrashKernel().Succeeded);
        using KdumpKernel kdump = first.Crash();

        // No restore runs: the key is not added and restore still reads 0.
        Assert.Equal(LinuxErrno.EFAULT, new ModelConfigfsBackend(kdump).WriteAttribute(null, "restore", []));
        Assert.Null(kdump.LastRestore);
        Assert.Equal("0\n", kdump.ShowRestore());
    }
}
