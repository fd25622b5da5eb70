using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation.Provisioning;

namespace CrashDmCrypt.Simulation.Tests;

/// <summary>The one provisioner (kdumpctl prepare_luks) on the model's logon keyring and configfs, in both orders.</summary>
public sealed class LuksProvisionerTests : IDisposable
{
    private const string First = "11111111-1111-1111-1111-111111111111";
    private const string Second = "22222222-2222-2222-2222-222222222222";
    private readonly ManualTimeProvider _clock = new();
    private readonly Machine _machine;
    private readonly FirstKernel _first;
    private readonly ConfigfsClient _client;

    public LuksProvisionerTests()
    {
        _machine = new Machine(new KernelModelOptions { Clock = _clock });
        _first = _machine.BootFirstKernel();
        _client = new ConfigfsClient(new ModelConfigfsBackend(_first));
    }

    public void Dispose()
    {
        _first.Dispose();
        _machine.Dispose();
    }

    [Theory]
    [InlineData(ProvisionOrder.Kdumpctl)]
    [InlineData(ProvisionOrder.AllOrNothing)]
    public void Every_key_found_gets_its_timeout_and_its_item(ProvisionOrder order)
    {
        AddKey(First);
        AddKey(Second);

        ProvisionResult result = Provisioner(order).Provision([First, Second]);

        Assert.Equal(ProvisionStatus.Provisioned, result.Status);
        Assert.All(result.Volumes, v => Assert.Equal((ProvisionVolumeState.Provisioned, LinuxErrno.None), (v.State, v.Timeout)));
        Assert.Equal([new ConfigfsKeyItem(First, KdumpUtils.KeyDescriptionPrefix + First), new ConfigfsKeyItem(Second, KdumpUtils.KeyDescriptionPrefix + Second)], _client.ListKeys().Value);
        Assert.Equal(KdumpUtils.KeyTimeout, _first.LogonKeyring.TimeoutOf(KdumpUtils.KeyDescriptionPrefix + First));
    }

    [Fact]
    public void In_kdumpctls_order_a_missing_key_ends_the_run_and_leaves_the_items_made_for_the_exit_trap()
    {
        AddKey(First);

        ProvisionResult result = Provisioner(ProvisionOrder.Kdumpctl).Provision([First, Second]);

        Assert.Equal(ProvisionStatus.KeyUnavailable, result.Status);
        Assert.Equal([ProvisionVolumeState.Provisioned, ProvisionVolumeState.Refused], result.Volumes.Select(v => v.State));
        Assert.Equal((LinuxErrno.ENOKEY, LinuxErrno.ENOKEY), (result.Volumes[1].Lookup, result.Volumes[1].Search));
        Assert.Equal(1, _client.ReadCount().Value);
    }

    [Fact]
    public void All_or_nothing_finds_every_key_before_anything_changes()
    {
        AddKey(First);

        ProvisionResult result = Provisioner(ProvisionOrder.AllOrNothing).Provision([First, Second]);

        Assert.Equal(ProvisionStatus.KeyUnavailable, result.Status);
        Assert.Equal([ProvisionVolumeState.Checked, ProvisionVolumeState.Refused], result.Volumes.Select(v => v.State));
        Assert.Equal(0, _client.ReadCount().Value);
        Assert.Equal(TimeSpan.Zero, _first.LogonKeyring.TimeoutOf(KdumpUtils.KeyDescriptionPrefix + First));
    }

    [Fact]
    public void An_expired_key_is_told_from_a_missing_one_by_keyctl_search()
    {
        _first.LogonKeyring.Add(KdumpUtils.KeyDescriptionPrefix + First, [1, 2, 3], TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(2));

        ProvisionedVolume volume = Assert.Single(Provisioner(ProvisionOrder.Kdumpctl).Provision([First]).Volumes);

        Assert.Equal((LinuxErrno.ENOKEY, LinuxErrno.EKEYEXPIRED), (volume.Lookup, volume.Search));
    }

    [Fact]
    public void All_or_nothing_refuses_an_item_left_from_before()
    {
        AddKey(First);
        AddKey(Second);
        Assert.True(_client.AddKey(Second, "left:over").Succeeded);

        ProvisionResult refused = Provisioner(ProvisionOrder.AllOrNothing).Provision([First, Second]);

        Assert.Equal(ProvisionStatus.ItemsRefused, refused.Status);
        Assert.True(refused.Volumes[1].ItemExisted);
        Assert.Equal(1, _client.ReadCount().Value);
    }

    [Fact]
    public void A_dry_run_changes_nothing_and_kdumpctls_order_has_none()
    {
        AddKey(First);

        ProvisionResult checkedOnly = Provisioner(ProvisionOrder.AllOrNothing).Provision([First], dryRun: true);

        Assert.Equal(ProvisionStatus.Checked, checkedOnly.Status);
        Assert.Equal(0, _client.ReadCount().Value);
        Assert.Throws<ArgumentException>(() => Provisioner(ProvisionOrder.Kdumpctl).Provision([First], dryRun: true));
    }

    [Fact]
    public void All_or_nothing_removes_the_items_it_made_when_the_kernel_refuses_a_later_one()
    {
        const string Refused = "x/y";
        AddKey(First);
        AddKey(Refused);

        ProvisionResult result = Provisioner(ProvisionOrder.AllOrNothing).Provision([First, Refused]);

        Assert.Equal(ProvisionStatus.ConfigfsRefused, result.Status);
        Assert.Equal([ProvisionVolumeState.Removed, ProvisionVolumeState.Refused], result.Volumes.Select(v => v.State));
        Assert.Equal(1, result.ItemsRemoved);
        Assert.Null(result.Volumes[0].Timeout);
        Assert.Equal(0, _client.ReadCount().Value);
    }

    private LuksProvisioner Provisioner(ProvisionOrder order) => new(_first.LogonKeyring, _client) { Order = order };

    private void AddKey(string uuid) => Assert.Equal(LinuxErrno.None, _first.LogonKeyring.Add(KdumpUtils.KeyDescriptionPrefix + uuid, [1, 2, 3]));
}
