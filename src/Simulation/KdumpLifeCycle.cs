using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// Runs the five steps of the key life cycle on the model, the way kdump-utils drives them: unlock volumes and link
/// their keys as logon keys <c>kdump-cryptsetup:vk-&lt;UUID&gt;</c>; <c>kdumpctl prepare_luks</c> (skip when
/// <c>reuse</c> reads 1, request each key, 300 s timeout, configfs item <c>&lt;UUID&gt;</c> through
/// <see cref="Kernel.Configfs.ConfigfsClient"/>); load the crash kernel, then remove every item as kdumpctl's EXIT trap does;
/// crash, write 1 to <c>restore</c> unless it reads 1, open the volumes with the restored user keys; check
/// that no key is left in reserved memory. Deterministic for a seed. Returns data only; the caller words it.
/// </summary>
public static partial class KdumpLifeCycle
{
    // The run gives each real logon key this timeout after the load and waits for the kernel to expire it.
    private static readonly TimeSpan RealKeyTimeout = TimeSpan.FromSeconds(1);

    // Longest the run waits for that; the kernel counts expiry in whole seconds.
    private static readonly TimeSpan RealExpiryWait = TimeSpan.FromSeconds(5);

    /// <summary>Runs the life cycle.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Keys outside 1..129 or a key size outside 1..256.</exception>
    /// <exception cref="InvalidOperationException">The options ask for a real part (kernel keyring, cryptsetup) that is not there; <see cref="TryRun"/> reports that instead.</exception>
    public static LifeCycleReport Run(LifeCycleOptions options)
    {
        if (!TryRun(options, CancellationToken.None, out LifeCycleReport? report, out RealPartsProblem problem))
        {
            throw new InvalidOperationException($"The real parts are not available: keyring {problem.Keyring}, cryptsetup {problem.Luks}.");
        }

        return report;
    }

    /// <summary>
    /// Runs the life cycle with the real parts <paramref name="options"/> asks for. Returns false, with the reason in
    /// <paramref name="problem"/> and nothing run, when the kernel has no usable keyring or cryptsetup is missing.
    /// Temporary LUKS images and private keyrings are removed on every path, a cancellation included.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Keys outside 1..129 or a key size outside 1..256.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled; everything made so far is removed first.</exception>
    public static bool TryRun(LifeCycleOptions options, CancellationToken cancel, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LifeCycleReport? report, out RealPartsProblem problem)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Keys, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Keys, LifeCycleOptions.MaxKeys, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KeySize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.KeySize, KeyBlobLayout.MaxKeySize, nameof(options));

        report = null;
        problem = default;
        PrivateKeyringSession? firstKernelKeys = null;
        PrivateKeyringSession? kdumpKernelKeys = null;
        LuksImageFolder? images = null;
        try
        {
            if (options.Keyring == KeyringBackend.Kernel)
            {
                // One session for each kernel: the kdump kernel starts with none of the first kernel's keys.
                KeyringResult opened = PrivateKeyringSession.Open(out firstKernelKeys);
                if (opened.Succeeded)
                {
                    opened = PrivateKeyringSession.Open(out kdumpKernelKeys);
                }

                if (!opened.Succeeded)
                {
                    problem = problem with { Keyring = opened };
                    return false;
                }
            }

            if (options.Luks == LuksBackend.Cryptsetup)
            {
                LuksCheckResult created = LuksImageFolder.Create(out images, options.CryptsetupPath, options.TemporaryFolder);
                if (!created.Succeeded)
                {
                    problem = problem with { Luks = created };
                    return false;
                }
            }

            using var run = new Runner(options, firstKernelKeys, kdumpKernelKeys, images, cancel);
            firstKernelKeys = null;
            kdumpKernelKeys = null;
            images = null;
            report = run.Execute();
            return true;
        }
        finally
        {
            firstKernelKeys?.Dispose();
            kdumpKernelKeys?.Dispose();
            images?.Dispose();
        }
    }
}
