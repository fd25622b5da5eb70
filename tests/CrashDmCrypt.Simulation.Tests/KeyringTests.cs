using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Kernel.Keyring;

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
    public void Expiry_is_measured_against_the_clock_and_request_key_says_ENOKEY_for_expired_and_missing_keys()
    {
        var clock = new ManualTimeProvider();
        using var keyring = new Keyring(KeyType.Logon, clock);
        keyring.Add("a:b", [1], TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(LinuxErrno.None, keyring.RequestKey("a:b", out _));
        Assert.Equal(LinuxErrno.None, keyring.Search("a:b"u8));
        clock.Advance(TimeSpan.FromMilliseconds(1));

        // As the real kernel: request_key passes over an expired key (ENOKEY); keyctl search reports it (EKEYEXPIRED).
        Assert.Equal(LinuxErrno.ENOKEY, keyring.RequestKey("a:b", out ReadOnlyMemory<byte> payload));
        Assert.True(payload.IsEmpty);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, keyring.Search("a:b"u8));
        Assert.Equal(LinuxErrno.ENOKEY, keyring.RequestKey("a:c", out _));
        Assert.Equal(LinuxErrno.ENOKEY, keyring.Search("a:c"u8));
    }

    [Fact]
    public void User_space_cannot_read_a_logon_key_back_but_can_read_a_user_key()
    {
        var clock = new ManualTimeProvider();
        using var logon = new Keyring(KeyType.Logon, clock);
        using var user = new Keyring(KeyType.User, clock);
        logon.Add("a:b", [1], TimeSpan.FromSeconds(1));
        user.Add("a:b", [1]);

        Assert.Equal(LinuxErrno.EOPNOTSUPP, logon.ReadBack("a:b"));
        Assert.Equal(LinuxErrno.None, user.ReadBack("a:b"));
        Assert.Equal(LinuxErrno.ENOKEY, user.ReadBack("a:c"));
        user.SetTimeout("a:b", TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LinuxErrno.EOPNOTSUPP, logon.ReadBack("a:b"));
        Assert.Equal(LinuxErrno.EKEYEXPIRED, user.ReadBack("a:b"));
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
        Assert.Equal(LinuxErrno.ENOKEY, keyring.RequestKey("a:b", out _));

        // keyctl timeout goes by the key's serial, and for an expired key the kernel says EKEYEXPIRED.
        Assert.Equal(LinuxErrno.EKEYEXPIRED, keyring.SetTimeout("a:b", TimeSpan.FromSeconds(300)));
        Assert.Equal(LinuxErrno.ENOKEY, keyring.SetTimeout("a:c", TimeSpan.FromSeconds(300)));
    }
}
