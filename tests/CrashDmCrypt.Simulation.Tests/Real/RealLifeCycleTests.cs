using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;
using KernelKeyType = CrashDmCrypt.Kernel.Keyring.KeyType;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// The real parts of the life cycle end to end, the way <c>simulate --real</c> is to call them: real LUKS2
/// images, real logon keys with a real timeout, the kernel's own <c>request_key</c> at load time, the blob
/// restored into real user keys, read back and proved by cryptsetup against each header.
/// </summary>
public sealed class RealLifeCycleTests : IDisposable
{
    private const string Prefix = "kdump-cryptsetup:vk-";
    private readonly PrivateKeyringSession? _session;
    private readonly LuksImageFolder? _folder;

    public RealLifeCycleTests()
    {
        if (KernelKeyring.Probe().Succeeded && CryptsetupAvailability.SkipReason is null)
        {
            Assert.True(PrivateKeyringSession.Open(out _session).Succeeded);
            Assert.True(LuksImageFolder.Create(out _folder).Succeeded);
        }
    }

    private PrivateKeyringSession Session => _session ?? throw new InvalidOperationException("no keyring here");

    private LuksImageFolder Folder => _folder ?? throw new InvalidOperationException("no cryptsetup here");

    public void Dispose()
    {
        _session?.Dispose();
        _folder?.Dispose();
    }

    [RealFact]
    public void Volume_keys_cross_the_blob_into_user_keys_that_cryptsetup_accepts()
    {
        string[] uuids = [Guid.NewGuid().ToString(), Guid.NewGuid().ToString()];
        var volumeKeys = uuids.Select(_ => SecretBuffer.CopyOf(RandomNumberGenerator.GetBytes(64))).ToArray();
        byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(uuids.Length)];
        Span<byte> key = stackalloc byte[256];
        try
        {
            // 1. Boot: each volume is a real LUKS2 image; its volume key is linked as a logon key with a timeout,
            //    and user space cannot read it back.
            var images = new LuksImage[uuids.Length];
            for (int i = 0; i < uuids.Length; i++)
            {
                LuksCheckResult created = Folder.CreateImage(uuids[i], volumeKeys[i].Span, out LuksImage? image);
                Assert.True(created.Succeeded, created.ToString());
                images[i] = image!;

                KeyringResult<KeySerial> logon = Session.AddKey(KernelKeyType.Logon, Prefix + uuids[i], volumeKeys[i].Span);
                Assert.True(logon.Succeeded, logon.Result.ToString());
                Assert.True(Session.SetTimeout(logon.Value, 300).Succeeded);
                Assert.Equal(KeyringStatus.ReadNotSupported, Session.Read(logon.Value, key).Status);
            }

            // 3. kexec load: build_keys_header's request_key finds each logon key (the real kernel decides presence
            //    and expiry); the payload itself only the kernel can read, so the model supplies the bytes.
            var keys = new KeyBlobKey[uuids.Length];
            for (int i = 0; i < uuids.Length; i++)
            {
                Assert.True(Session.RequestKey(KernelKeyType.Logon, Prefix + uuids[i]).Succeeded);
                keys[i] = new KeyBlobKey(Encoding.ASCII.GetBytes(Prefix + uuids[i]), volumeKeys[i].Memory);
            }

            Assert.True((KeyBlobWriter.Write(keys, blob, new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.LittleEndian }, out int written, out KeyBlobProblem problem) == OperationStatus.Done), problem.ToString());
            Assert.Equal(blob.Length, written);

            // 4. kdump kernel: the blob's entries become user keys (create-or-update); the region is cleared.
            var added = new List<KeySerial>();
            var sink = new KernelKeyringSink(Session, Session.Keyring, added);
            KeyBlobRestoreResult restored = KeyBlobRestorer.Restore(blob, default, ref sink);
            Assert.True(restored.Succeeded, restored.Problem.ToString());
            Assert.Equal(uuids.Length, restored.KeysRestored);
            Assert.Equal(KeyringResult.Ok, sink.FirstFailure);
            Assert.Equal(uuids.Length, added.Count);
            Assert.True(blob.AsSpan().IndexOfAnyExcept((byte)0) < 0);

            // cryptsetup --volume-key-keyring %user:<desc>: each user key reads back as the volume key, and
            // cryptsetup's own check on the header agrees; a one-bit change does not pass.
            for (int i = 0; i < uuids.Length; i++)
            {
                KeyringResult<KeySerial> user = Session.RequestKey(KernelKeyType.User, Prefix + uuids[i]);
                Assert.Equal(added[i], user.Value);
                try
                {
                    KeyringResult<int> read = Session.Read(user.Value, key);
                    Assert.True(read.Succeeded, read.Result.ToString());
                    Assert.True(CryptographicOperations.FixedTimeEquals(key[..read.Value], volumeKeys[i].Span));
                    Assert.Equal(LuksCheckResult.Ok(), Folder.VerifyVolumeKey(images[i], key[..read.Value]));

                    key[17] ^= 0x10;
                    Assert.Equal(LuksCheckStatus.KeyMismatch, Folder.VerifyVolumeKey(images[i], key[..read.Value]).Status);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }

                // Done with the key: revoke it; the kernel wipes it.
                Assert.True(Session.Revoke(user.Value).Succeeded);
                Assert.Equal(KeyringStatus.KeyRevoked, Session.Read(user.Value, key).Status);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(blob);
            foreach (SecretBuffer volumeKey in volumeKeys)
            {
                volumeKey.Dispose();
            }
        }
    }

    [RealFact]
    public void A_second_entry_with_the_same_description_replaces_the_first_user_key()
    {
        string description = Prefix + Guid.NewGuid();
        byte[] first = RandomNumberGenerator.GetBytes(64);
        byte[] second = RandomNumberGenerator.GetBytes(64);
        byte[] blob = new byte[KeyBlobWriter.GetRequiredSize(2)];
        try
        {
            byte[] name = Encoding.ASCII.GetBytes(description);
            KeyBlobKey[] keys = [new(name, first), new(name, second)];

            // Strict mode refuses duplicates; the kernel builds such a blob from two configfs items naming one
            // key, and its restore takes both, the last one winning. Lay the blob out by hand.
            Assert.False((KeyBlobWriter.Write(keys, blob, new KeyBlobWriteOptions { ByteOrder = KeyBlobByteOrder.LittleEndian }, out _, out _) == OperationStatus.Done));
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(KeyBlobLayout.CountOffset), 2);
            for (int i = 0; i < keys.Length; i++)
            {
                Span<byte> entry = blob.AsSpan(KeyBlobLayout.GetEntryOffset(i), KeyBlobLayout.EntrySize);
                BinaryPrimitives.WriteUInt32LittleEndian(entry[KeyBlobLayout.KeySizeOffset..], (uint)keys[i].Key.Length);
                keys[i].Description.Span.CopyTo(entry[KeyBlobLayout.DescriptionOffset..]);
                keys[i].Key.Span.CopyTo(entry[KeyBlobLayout.DataOffset..]);
            }

            var added = new List<KeySerial>();
            var sink = new KernelKeyringSink(Session, Session.Keyring, added);
            KeyBlobRestoreResult restored = KeyBlobRestorer.Restore(blob, new KeyBlobReadOptions { ByteOrder = KeyBlobByteOrder.LittleEndian, Mode = KeyBlobMode.Kernel }, ref sink);

            Assert.True(restored.Succeeded, restored.Problem.ToString());
            Assert.Equal(2, added.Count);
            Assert.Equal(added[0], added[1]);
            Span<byte> key = stackalloc byte[256];
            KeyringResult<int> read = Session.Read(added[0], key);
            Assert.True(key[..read.Value].SequenceEqual(second));
            CryptographicOperations.ZeroMemory(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(first);
            CryptographicOperations.ZeroMemory(second);
            CryptographicOperations.ZeroMemory(blob);
        }
    }
}
