using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>
/// The model's keyring against the real kernel's, call for call: the same script on both must give the same errno.
/// This is where the model learnt that <c>request_key</c> of an expired logon key is ENOKEY, not EKEYEXPIRED.
/// </summary>
public sealed class RealKeyringAgreementTests
{
    [KernelKeyringFact]
    public void An_expired_logon_key_is_ENOKEY_to_request_key_and_EKEYEXPIRED_to_search_and_timeout_on_both()
    {
        var clock = new ManualTimeProvider();
        using KernelLogonKeyring real = OpenReal(clock);
        using var model = new Keyring(KeyType.Logon, clock);
        string description = KdumpUtils.KeyDescriptionPrefix + Guid.NewGuid();
        byte[] key = RandomNumberGenerator.GetBytes(64);
        try
        {
            foreach (IKeyring keyring in new IKeyring[] { real, model })
            {
                Assert.Equal(LinuxErrno.None, keyring.Add(description, key));

                // User space cannot read a logon key back; only the kernel can.
                Assert.Equal(LinuxErrno.EOPNOTSUPP, keyring.ReadBack(description));
                Assert.Equal(LinuxErrno.None, keyring.RequestKey(description, out ReadOnlyMemory<byte> payload));
                Assert.True(payload.Span.SequenceEqual(key));
                Assert.Equal(LinuxErrno.None, keyring.SetTimeout(description, TimeSpan.FromSeconds(1)));
            }

            // The model's clock moves at once; the kernel's has to be waited for (it counts whole seconds).
            clock.Advance(TimeSpan.FromSeconds(1));
            WaitUntilExpired(real, description);

            (LinuxErrno Request, LinuxErrno Search, LinuxErrno Timeout, LinuxErrno Read) seenByKernel = Observe(real, description);
            // keyctl read of a logon key is EOPNOTSUPP before the kernel looks at expiry.
            Assert.Equal((LinuxErrno.ENOKEY, LinuxErrno.EKEYEXPIRED, LinuxErrno.EKEYEXPIRED, LinuxErrno.EOPNOTSUPP), seenByKernel);
            Assert.Equal(seenByKernel, Observe(model, description));

            string missing = KdumpUtils.KeyDescriptionPrefix + Guid.NewGuid();
            Assert.Equal(real.RequestKey(missing, out _), model.RequestKey(missing, out _));
            Assert.Equal(real.Search(Encoding.UTF8.GetBytes(missing)), model.Search(Encoding.UTF8.GetBytes(missing)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    [KernelKeyringFact]
    public void A_load_with_an_expired_real_logon_key_fails_with_ENOKEY_as_it_does_in_the_model()
    {
        using var s = new ModelScenario(logonKeyring: OpenReal(new ManualTimeProvider()));
        s.UnlockAndProvision(1);
        LuksVolume volume = s.Volumes[0];
        Assert.Equal(LinuxErrno.None, s.First.LogonKeyring.SetTimeout(volume.KeyDescription, TimeSpan.FromSeconds(1)));
        WaitUntilExpired(s.First.LogonKeyring, volume.KeyDescription);

        KexecLoadResult load = s.First.LoadCrashKernel();

        Assert.Equal(LinuxErrno.ENOKEY, load.Error);
        Assert.Equal(KexecLoadFailure.LogonKeyExpired, load.Failure);
        Assert.Equal(volume.Uuid, load.FailedItem);
        Assert.Equal(volume.KeyDescription, load.LookedUpDescription);

        // And the model, left to its own clock, says the same.
        using var model = new ModelScenario();
        model.UnlockAndProvision(1);
        model.Clock.Advance(ModelScenario.KeyTimeout);
        KexecLoadResult modelLoad = model.First.LoadCrashKernel();
        Assert.Equal((load.Error, load.Failure), (modelLoad.Error, modelLoad.Failure));
    }

    [KernelKeyringFact]
    public void A_real_logon_key_found_by_the_load_goes_into_the_blob_with_the_bytes_it_was_added_with()
    {
        using var s = new ModelScenario(logonKeyring: OpenReal(new ManualTimeProvider()));
        s.UnlockAndProvision(2);

        KexecLoadResult load = s.LoadSucceeds();

        CrashImage image = load.Image!;
        Assert.Equal(2, image.KeyCount);
        KdumpKernel kdump = s.Crash();
        KdumpRestoreOutcome restored = kdump.RestoreKeys();
        Assert.Equal(KdumpRestoreStatus.Restored, restored.Status);
        foreach (LuksVolume volume in s.Volumes)
        {
            Assert.Equal(CryptsetupStatus.Opened, Cryptsetup.OpenWithVolumeKeyKeyring(kdump.UserKeyring, volume, Cryptsetup.VolumeKeyKeyringSpec(volume)));
        }
    }

    internal static KernelLogonKeyring OpenReal(TimeProvider clock)
    {
        KeyringResult opened = PrivateKeyringSession.Open(out PrivateKeyringSession? session);
        Assert.True(opened.Succeeded, opened.ToString());
        return new KernelLogonKeyring(session!, clock);
    }

    // The kernel decides when (up to 10 s here); keyctl search sees the key until then.
    private static void WaitUntilExpired(IKeyring keyring, string description)
    {
        byte[] name = Encoding.UTF8.GetBytes(description);
        for (int i = 0; i < 100 && keyring.Search(name) == LinuxErrno.None; i++)
        {
            Thread.Sleep(100);
        }
    }

    private static (LinuxErrno Request, LinuxErrno Search, LinuxErrno Timeout, LinuxErrno Read) Observe(IKeyring keyring, string description) =>
        (keyring.RequestKey(description, out _), keyring.Search(Encoding.UTF8.GetBytes(description)), keyring.SetTimeout(description, TimeSpan.FromSeconds(300)), keyring.ReadBack(description));
}
