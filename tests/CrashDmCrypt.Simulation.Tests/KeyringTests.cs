using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;

namespace CrashDmCrypt.Simulation.Tests;

public sealed class KeyringTests
{
    [Theory]
    [InlineData("logon", "cryptsetup:uuid", 32, LinuxErrno.None)]
    [InlineData("logon", "svc:", 1, LinuxErrno.None)]
    [InlineData("logon", ":uuid", 32, LinuxErrno.EINVAL)]
    [InlineData("logon", "nocolon", 32, LinuxErrno.EINVAL)]
    [InlineData("user", "nocolon", 32, LinuxErrno.None)]
    [InlineData("user", "", 32, LinuxErrno.EINVAL)]
    [InlineData("user", "a:b", 0, LinuxErrno.EINVAL)]
    [InlineData("user", "a:b", 32767, LinuxErrno.None)]
    [InlineData("user", "a:b", 32768, LinuxErrno.EINVAL)]
    public void Add_vets_the_description_and_payload_as_the_key_type_does(string type, string description, int size, LinuxErrno expected)
    {
        using var keyring = new Keyring(type == "logon" ? KeyType.Logon : KeyType.User, new ManualTimeProvider());
        Assert.Equal(expected, keyring.Add(description, new byte[size]));
        Assert.Equal(expected == LinuxErrno.None ? 1 : 0, keyring.Count);
    }

    [Fact]
    public void Adding_an_existing_description_updates_the_key_in_place_and_zeroises_the_old_payload()
    {
        using var keyring = new Keyring(KeyType.User, new ManualTimeProvider());
        keyring.Add("a:b", [1, 2, 3]);
        keyring.RequestKey("a:b", out ReadOnlyMemory<byte> old);

        keyring.Add("a:b", [9]);

        Assert.Equal(1, keyring.Count);
        Assert.Equal(LinuxErrno.None, keyring.RequestKey("a:b", out ReadOnlyMemory<byte> current));
        Assert.Equal(new byte[] { 9 }, current.ToArray());
        Assert.Equal(new byte[3], old.ToArray());
    }

    [Fact]
    public void Expiry_is_measured_against_the_clock_and_missing_keys_are_ENOKEY()
    {
        var clock = new ManualTimeProvider();
        using var keyring = new Keyring(KeyType.Logon, clock);
        keyring.Add("a:b", [1], TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(LinuxErrno.None, keyring.RequestKey("a:b", out _));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(LinuxErrno.EKEYEXPIRED, keyring.RequestKey("a:b", out _));
        Assert.Equal(LinuxErrno.ENOKEY, keyring.RequestKey("a:c", out _));
    }

    [Fact]
    public void Dispose_zeroises_every_payload()
    {
        var keyring = new Keyring(KeyType.User, new ManualTimeProvider());
        keyring.Add("a:b", [1, 2, 3]);
        keyring.RequestKey("a:b", out ReadOnlyMemory<byte> payload);

        keyring.Dispose();

        Assert.Equal(new byte[3], payload.ToArray());
        Assert.Throws<ObjectDisposedException>(() => keyring.RequestKey("a:b", out _));
    }

    [Fact]
    public void Set_timeout_starts_the_expiry_from_now_and_refuses_missing_or_expired_keys()
    {
        var clock = new ManualTimeProvider();
        using var keyring = new Keyring(KeyType.Logon, clock);
        keyring.Add("a:b", [1]);
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(LinuxErrno.None, keyring.SetTimeout("a:b", TimeSpan.FromSeconds(300)));
        clock.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(LinuxErrno.None, keyring.RequestKey("a:b", out _));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LinuxErrno.EKEYEXPIRED, keyring.RequestKey("a:b", out _));
        Assert.Equal(LinuxErrno.EKEYEXPIRED, keyring.SetTimeout("a:b", TimeSpan.FromSeconds(300)));
        Assert.Equal(LinuxErrno.ENOKEY, keyring.SetTimeout("a:c", TimeSpan.FromSeconds(300)));
    }
}
