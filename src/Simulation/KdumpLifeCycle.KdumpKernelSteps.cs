using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>The kdump kernel's steps: the restore, opening the volumes, and the dump.</summary>
public static partial class KdumpLifeCycle
{
    private sealed partial class Runner
    {
        // 4. The crash: kexec-crypt-setup.sh writes 1 to restore unless it reads 1; a udev rule opens each volume from the user keyring.
        private RestoreStep Restore(KdumpKernel kdump)
        {
            var backend = new ModelConfigfsBackend(kdump);
            ConfigfsResult<bool> before = new ConfigfsClient(backend).ReadRestore();
            bool write = !(before.Succeeded && before.Value);
            LinuxErrno written = write
                ? backend.WriteAttribute(null, ConfigfsAttributes.Restore, Encoding.ASCII.GetBytes(KdumpUtils.RestoreValue + "\n"))
                : LinuxErrno.None;
            var opened = new List<CryptsetupOpenResult>(_volumes.Count);
            foreach (LuksVolume volume in _volumes)
            {
                _cancel.ThrowIfCancellationRequested();
                string spec = Cryptsetup.VolumeKeyKeyringSpec(volume);
                opened.Add(kdump.RealUserKeys is { } session ? OpenWithRealKey(session, volume, spec)
                    : _folder is null ? new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, spec) }
                    : OpenWithModelKey(kdump.UserKeyring, volume, spec));
            }

            return new RestoreStep { RestoreBefore = before, RestoreWritten = write, RestoreWriteError = written, Outcome = kdump.LastRestore!, Volumes = opened, KdumpPlaintextCopies = [.. kdump.PlaintextLeftBehind] };
        }

        // With the real keyring: cryptsetup's request_key finds the user key; it is read back into pinned stack memory,
        // compared with the volume key in constant time and, with real images, checked by cryptsetup; then revoked.
        private CryptsetupOpenResult OpenWithRealKey(PrivateKeyringSession session, LuksVolume volume, string spec)
        {
            KeyringResult<KeySerial> found = session.RequestKey(KeyType.User, volume.KeyDescription);
            if (!found.Succeeded)
            {
                CryptsetupStatus missing = found.Errno == LinuxErrno.EKEYEXPIRED ? CryptsetupStatus.KeyExpired : CryptsetupStatus.KeyNotFound;
                return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = missing };
            }

            Span<byte> key = stackalloc byte[KeyBlobLayout.MaxKeySize];
            KeyringResult<int> read = default;
            bool? matches = null;
            LuksCheckResult? check = null;
            try
            {
                read = session.Read(found.Value, key);
                if (read.Succeeded)
                {
                    ReadOnlySpan<byte> restored = key[..read.Value];
                    matches = volume.Accepts(restored);
                    check = CheckImage(volume, restored);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }

            // Done with the key: the kernel wipes a revoked key's payload.
            LinuxErrno revoked = session.Revoke(found.Value).Errno;
            return new CryptsetupOpenResult
            {
                Uuid = volume.Uuid,
                KeyringSpec = spec,
                Status = Verdict(read.Succeeded, matches, check),
                UserKeySerial = found.Value.Value,
                ReadBackError = read.Errno,
                KeyMatches = matches,
                LuksCheck = check,
                Revoked = revoked,
            };
        }

        // The model's user keyring with real images: the model finds the key, cryptsetup checks it.
        private CryptsetupOpenResult OpenWithModelKey(Keyring userKeyring, LuksVolume volume, string spec)
        {
            CryptsetupStatus found = Cryptsetup.FindVolumeKey(userKeyring, spec, out ReadOnlyMemory<byte> key);
            if (found != CryptsetupStatus.Opened)
            {
                return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = found };
            }

            bool matches = volume.Accepts(key.Span);
            LuksCheckResult? check = CheckImage(volume, key.Span);
            return new CryptsetupOpenResult { Uuid = volume.Uuid, KeyringSpec = spec, Status = Verdict(true, matches, check), KeyMatches = matches, LuksCheck = check };
        }

        // cryptsetup's own check of the key against the volume's LUKS2 header; null without real images.
        private LuksCheckResult? CheckImage(LuksVolume volume, ReadOnlySpan<byte> key)
        {
            if (_folder is null)
            {
                return null;
            }

            return _images.TryGetValue(volume, out LuksImage? image)
                ? _folder.VerifyVolumeKey(image, key)
                : LuksCheckResult.Fail(LuksCheckStatus.NoImage);
        }

        private static CryptsetupStatus Verdict(bool read, bool? matches, LuksCheckResult? check) =>
            !read ? CryptsetupStatus.CheckFailed
            : check is { Status: LuksCheckStatus.KeyMismatch or LuksCheckStatus.KeySizeMismatch } || matches == false ? CryptsetupStatus.WrongKey
            : check is { Succeeded: false } ? CryptsetupStatus.CheckFailed
            : CryptsetupStatus.Opened;

        // 5. The dump goes to the encrypted target; what the blob ranges still hold is counted (the kernel never writes
        // old memory, so the blob stays; the crashkernel region is not in the vmcore); then the machine reboots.
        private DumpStep Dump(KdumpKernel kdump, List<MemoryRange> blobs, bool targetOpen)
        {
            int nonZero = 0;
            foreach (MemoryRange range in blobs)
            {
                ReadOnlySpan<byte> blob = _machine.Memory.GetSpan(range.Start, (int)range.Size);
                nonZero += blob.Length - blob.Count((byte)0);
            }

            int userKeys = kdump.UserKeyCount;
            kdump.Dispose();
            return new DumpStep { VmcoreWritten = targetOpen, Blobs = blobs, NonZeroBytes = nonZero, UserKeysZeroised = userKeys };
        }
    }
}
