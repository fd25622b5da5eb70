using System.Security.Cryptography;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Kernel.Tests.Keyring;

/// <summary>The keyring calls on this machine's kernel, each test in a private session keyring of its own.</summary>
public sealed class KernelKeyringTests : IDisposable
{
    private readonly PrivateKeyringSession? _session;
    private readonly string _uuid = Guid.NewGuid().ToString();

    public KernelKeyringTests()
    {
        if (KernelKeyring.Probe().Succeeded)
        {
            KeyringResult opened = PrivateKeyringSession.Open(out _session);
            Assert.True(opened.Succeeded, opened.ToString());
        }
    }

    private PrivateKeyringSession Session => _session ?? throw new InvalidOperationException("no keyring here");

    private string Description => "kdump-cryptsetup:vk-" + _uuid;

    public void Dispose() => _session?.Dispose();

    [KeyringFact]
    public void A_logon_key_cannot_be_read_back_the_kernel_says_EOPNOTSUPP()
    {
        KeySerial key = Add(KeyType.Logon, Description, Key(64, 1));

        Span<byte> buffer = stackalloc byte[256];
        buffer.Fill(0xAA);
        KeyringResult<int> read = Session.Read(key, buffer);

        Assert.Equal(KeyringStatus.ReadNotSupported, read.Status);
        Assert.Equal(LinuxErrno.EOPNOTSUPP, read.Errno);
        Assert.Equal("CDC507", read.Result.Code);
        Assert.True(buffer.IndexOfAnyExcept((byte)0) < 0, "the buffer is cleared on failure");
    }

    [KeyringFact]
    public void A_user_key_reads_back_byte_for_byte()
    {
        byte[] key = Key(64, 2);
        KeySerial serial = Add(KeyType.User, Description, key);

        Span<byte> buffer = stackalloc byte[256];
        try
        {
            KeyringResult<int> read = Session.Read(serial, buffer);

            Assert.True(read.Succeeded, read.Result.ToString());
            Assert.Equal(64, read.Value);
            Assert.True(buffer[..read.Value].SequenceEqual(key));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    [KeyringFact]
    public void A_short_buffer_gets_the_length_and_no_bytes()
    {
        KeySerial serial = Add(KeyType.User, Description, Key(64, 3));

        Span<byte> buffer = stackalloc byte[63];
        KeyringResult<int> read = Session.Read(serial, buffer);

        Assert.Equal(KeyringStatus.BufferTooSmall, read.Status);
        Assert.Equal(64, read.Value);
        Assert.True(buffer.IndexOfAnyExcept((byte)0) < 0);
    }

    [KeyringFact]
    public void Add_key_on_the_same_type_and_description_updates_the_key_in_place()
    {
        KeySerial first = Add(KeyType.User, Description, Key(32, 4));
        byte[] second = Key(48, 5);

        KeySerial again = Add(KeyType.User, Description, second);

        Assert.Equal(first, again);
        Span<byte> buffer = stackalloc byte[256];
        try
        {
            KeyringResult<int> read = Session.Read(first, buffer);
            Assert.True(buffer[..read.Value].SequenceEqual(second));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }

        // A logon key of the same description is a different key: the type is part of the identity.
        Assert.NotEqual(first, Add(KeyType.Logon, Description, Key(32, 6)));
    }

    [KeyringFact]
    public void Request_key_finds_a_logon_key_and_a_missing_one_is_ENOKEY()
    {
        KeySerial key = Add(KeyType.Logon, Description, Key(64, 7));

        Assert.Equal(key, Session.RequestKey(KeyType.Logon, Description).Value);

        KeyringResult<KeySerial> missing = Session.RequestKey(KeyType.Logon, "kdump-cryptsetup:vk-" + Guid.NewGuid());
        Assert.Equal(KeyringStatus.KeyNotFound, missing.Status);
        Assert.Equal(LinuxErrno.ENOKEY, missing.Errno);
        Assert.Equal("CDC502", missing.Result.Code);
        Assert.Equal(KeySerial.None, missing.Value);
    }

    [KeyringFact]
    public void A_key_with_a_1_second_timeout_expires_with_EKEYEXPIRED_but_request_key_says_ENOKEY()
    {
        KeySerial key = Add(KeyType.Logon, Description, Key(64, 8));

        Assert.True(Session.SetTimeout(key, 1).Succeeded);

        // The kernel decides when; wait for it (up to 10 s). KEYCTL_SEARCH (keyring_search) reports an
        // expired key as EKEYEXPIRED.
        KeyringResult<KeySerial> searched = Session.Search(Session.Keyring, KeyType.Logon, Description);
        for (int i = 0; i < 100 && searched.Succeeded; i++)
        {
            Thread.Sleep(100);
            searched = Session.Search(Session.Keyring, KeyType.Logon, Description);
        }

        Assert.Equal(KeyringStatus.KeyExpired, searched.Status);
        Assert.Equal(LinuxErrno.EKEYEXPIRED, searched.Errno);

        // Every call by serial says EKEYEXPIRED too.
        KeyringResult timeout = Session.SetTimeout(key, 300);
        Assert.Equal(KeyringStatus.KeyExpired, timeout.Status);
        Assert.Equal("CDC503", timeout.Code);

        // request_key (request_key_and_link searches with KEYRING_SEARCH_SKIP_EXPIRED) passes over the expired
        // key and, without a callout, ends in ENOKEY. The kernel's own lookup in build_keys_header is the same
        // request_key, so a kexec load with an expired logon key fails with ENOKEY, not EKEYEXPIRED.
        KeyringResult<KeySerial> requested = Session.RequestKey(KeyType.Logon, Description);
        Assert.Equal(KeyringStatus.KeyNotFound, requested.Status);
        Assert.Equal(LinuxErrno.ENOKEY, requested.Errno);
    }

    [KeyringFact]
    public void A_revoked_key_gives_EKEYREVOKED()
    {
        KeySerial key = Add(KeyType.User, Description, Key(16, 9));

        Assert.True(Session.Revoke(key).Succeeded);

        Span<byte> buffer = stackalloc byte[64];
        KeyringResult<int> read = Session.Read(key, buffer);
        Assert.Equal(KeyringStatus.KeyRevoked, read.Status);
        Assert.Equal(LinuxErrno.EKEYREVOKED, read.Errno);
        Assert.Equal(KeyringStatus.KeyRevoked, Session.RequestKey(KeyType.User, Description).Status);
    }

    [KeyringFact]
    public void An_unlinked_key_is_no_longer_found()
    {
        KeySerial key = Add(KeyType.Logon, Description, Key(64, 10));

        Assert.True(Session.Unlink(key).Succeeded);

        Assert.Equal(KeyringStatus.KeyNotFound, Session.RequestKey(KeyType.Logon, Description).Status);
    }

    [KeyringFact]
    public void The_private_session_is_invisible_to_the_caller_and_to_other_sessions()
    {
        Add(KeyType.Logon, Description, Key(64, 11));

        // The test's own thread searches the keyrings the process started with.
        Assert.Equal(KeyringStatus.KeyNotFound, KernelKeyring.RequestKey(KeyType.Logon, Description).Status);

        KeyringResult opened = PrivateKeyringSession.Open(out PrivateKeyringSession? other);
        Assert.True(opened.Succeeded);
        using (other)
        {
            Assert.NotEqual(Session.Keyring, other!.Keyring);
            Assert.Equal(KeyringStatus.KeyNotFound, other.RequestKey(KeyType.Logon, Description).Status);
        }

        // Invoke runs any keyring code on the session's thread, where the session is the caller's keyring.
        Assert.True(Session.Invoke(() => KernelKeyring.RequestKey(KeyType.Logon, Description)).Succeeded);
        Assert.Equal(Session.Keyring, Session.Invoke(() => KernelKeyring.GetKeyringId(KeySerial.SessionKeyring, create: false)).Value);
    }

    [KeyringFact]
    public void A_nested_keyring_holds_keys_that_search_finds()
    {
        KeyringResult<KeySerial> keyring = Session.CreateKeyring("crashdmcrypt-test", Session.Keyring);
        Assert.True(keyring.Succeeded, keyring.Result.ToString());

        KeySerial key = Add(KeyType.Logon, Description, Key(64, 12), keyring.Value);

        Assert.Equal(key, Session.Search(keyring.Value, KeyType.Logon, Description).Value);
        Assert.Equal(key, Session.Search(Session.Keyring, KeyType.Logon, Description).Value);
        Assert.Equal(KeyringStatus.KeyNotFound, Session.Search(keyring.Value, KeyType.User, Description).Status);
    }

    [KeyringFact]
    public void Raw_description_bytes_reach_the_kernel_as_they_are()
    {
        // The kdump kernel passes a blob entry's key_desc bytes, valid UTF-8 or not.
        byte[] description = [.. "svc:"u8, 0xff, 0x01, .. System.Text.Encoding.ASCII.GetBytes(_uuid)];
        byte[] payload = Key(8, 14);

        KeyringResult<KeySerial> added = Session.AddKey(KeyType.User, description, payload, Session.Keyring);
        Assert.True(added.Succeeded, added.Result.ToString());
        Assert.Equal(added.Value, Session.AddKey(KeyType.User, description, payload, Session.Keyring).Value);

        KeyringResult<KeySerial> withNul = Session.AddKey(KeyType.User, "svc:a\0b"u8, payload, Session.Keyring);
        Assert.Equal(new KeyringResult(KeyringStatus.InvalidArgument, LinuxErrno.None), withNul.Result);
    }

    public static TheoryData<KeyType, string, int, KeyringStatus, LinuxErrno> Refusals => new()
    {
        // logon_vet_description: a ':' that is not the first character.
        { KeyType.Logon, "nocolon", 16, KeyringStatus.InvalidArgument, LinuxErrno.EINVAL },
        { KeyType.Logon, ":rest", 16, KeyringStatus.InvalidArgument, LinuxErrno.EINVAL },
        { KeyType.Logon, "svc:", 16, KeyringStatus.Ok, LinuxErrno.None },
        // user_preparse: 1..32767 bytes.
        { KeyType.User, "svc:empty", 0, KeyringStatus.InvalidArgument, LinuxErrno.EINVAL },
        { KeyType.User, "svc:big", 32767, KeyringStatus.Ok, LinuxErrno.None },
        { KeyType.User, "svc:bigger", 32768, KeyringStatus.InvalidArgument, LinuxErrno.EINVAL },
        // Empty descriptions are refused for every type.
        { KeyType.User, "", 16, KeyringStatus.InvalidArgument, LinuxErrno.EINVAL },
        // Refused before the call: the kernel's C string would end at the NUL.
        { KeyType.User, "svc:a\0b", 16, KeyringStatus.InvalidArgument, LinuxErrno.None },
        { KeyType.User, "svc:" + new string('x', 4092), 16, KeyringStatus.InvalidArgument, LinuxErrno.None },
    };

    [KeyringTheory]
    [MemberData(nameof(Refusals))]
    public void The_kernel_vets_descriptions_and_payload_sizes(KeyType type, string description, int size, KeyringStatus status, LinuxErrno errno)
    {
        byte[] payload = Key(size, 13);
        try
        {
            KeyringResult<KeySerial> added = Session.AddKey(type, description, payload);

            Assert.Equal(status, added.Status);
            Assert.Equal(errno, added.Errno);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(payload);
        }
    }

    [KeyringFact]
    public void Calls_on_a_disposed_session_are_misuse()
    {
        KeyringResult opened = PrivateKeyringSession.Open(out PrivateKeyringSession? other);
        Assert.True(opened.Succeeded);
        other!.Dispose();
        other.Dispose();

        Assert.Throws<ObjectDisposedException>(() => other.RequestKey(KeyType.Logon, Description));
    }

    [KeyringFact]
    public void An_exception_in_a_callback_reaches_the_caller()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => Session.Invoke<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", thrown.Message);
        Assert.True(Session.RequestKey(KeyType.Logon, "svc:" + _uuid).Status == KeyringStatus.KeyNotFound, "the session still works");
    }

    [Theory]
    [InlineData(LinuxErrno.ENOSYS, KeyringStatus.Unsupported, "CDC501")]
    [InlineData(LinuxErrno.ENOKEY, KeyringStatus.KeyNotFound, "CDC502")]
    [InlineData(LinuxErrno.EKEYEXPIRED, KeyringStatus.KeyExpired, "CDC503")]
    [InlineData(LinuxErrno.EKEYREVOKED, KeyringStatus.KeyRevoked, "CDC504")]
    [InlineData(LinuxErrno.EDQUOT, KeyringStatus.QuotaExceeded, "CDC505")]
    [InlineData(LinuxErrno.EACCES, KeyringStatus.PermissionDenied, "CDC506")]
    [InlineData(LinuxErrno.EPERM, KeyringStatus.PermissionDenied, "CDC506")]
    [InlineData(LinuxErrno.EOPNOTSUPP, KeyringStatus.ReadNotSupported, "CDC507")]
    [InlineData(LinuxErrno.EINVAL, KeyringStatus.InvalidArgument, "CDC508")]
    [InlineData(LinuxErrno.EKEYREJECTED, KeyringStatus.KeyRejected, "CDC509")]
    [InlineData(LinuxErrno.ENOMEM, KeyringStatus.OutOfMemory, "CDC511")]
    [InlineData(LinuxErrno.ENODEV, KeyringStatus.UnknownKeyType, "CDC512")]
    [InlineData(LinuxErrno.EFAULT, KeyringStatus.OtherError, "CDC513")]
    public void Each_errno_maps_to_a_status_and_a_stable_code(LinuxErrno errno, KeyringStatus status, string code)
    {
        KeyringResult result = KeyringResult.FromErrno(errno);

        Assert.Equal(status, result.Status);
        Assert.Equal(code, result.Code);
    }

    private static byte[] Key(int size, byte seed)
    {
        var key = new byte[size];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)((i * 31) + seed);
        }

        return key;
    }

    private KeySerial Add(KeyType type, string description, byte[] payload, KeySerial? keyring = null)
    {
        // The payloads are fixed test patterns, kept for comparison; the kernel holds its own copy.
        KeyringResult<KeySerial> added = Session.AddKey(type, description, payload, keyring ?? Session.Keyring);
        Assert.True(added.Succeeded, added.Result.ToString());
        Assert.True(added.Value.Value > 0);
        return added.Value;
    }
}
