using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Simulation;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Cli.Simulate;

/// <summary>
/// Words for a <see cref="LifeCycleReport"/>: a header, each step's title and facts (indented), and a
/// PASS or FAIL verdict. The model returns data only; every sentence <c>simulate</c> prints is made here.
/// </summary>
internal static class LifeCycleText
{
    // Lists longer than this print their first entries and a count.
    private const int ListedItems = 3;

    /// <summary>Writes the whole report.</summary>
    public static void Write(TextWriter output, LifeCycleReport report)
    {
        LifeCycleOptions o = report.Options;
        string handoff = o.Handoff == KdumpHandoff.DeviceTree ? "device-tree handoff (arm64 style)" : "command-line handoff (x86_64 style)";
        output.WriteLine(Invariant(
            $"kdump dm-crypt key life cycle on the kernel model{RealParts(o)}: {o.Keys} volume(s), seed {o.Seed}, {handoff}, {CliOptions.Name(o.RestoreMode)} restore"));
        int number = 0;
        foreach (LifeCycleStep step in report.Steps)
        {
            number++;
            output.WriteLine();
            output.WriteLine(Invariant($"{number}. {Title(step.Kind)}{(step.Succeeded ? string.Empty : " -- FAILED")}"));
            foreach (string line in Lines(report, step))
            {
                output.WriteLine("   " + line);
            }
        }

        output.WriteLine();
        output.WriteLine(Verdict(report));
    }

    /// <summary>What the step does.</summary>
    public static string Title(LifeCycleStepKind kind) => kind switch
    {
        LifeCycleStepKind.Boot => "Boot and unlock the encrypted volumes",
        LifeCycleStepKind.Configfs => "Prepare the keys for kdump (kdumpctl prepare_luks)",
        LifeCycleStepKind.Load => "Load the kdump kernel (kexec_file_load)",
        LifeCycleStepKind.Hotplug => "CPU hot-plug: kdump-udev-throttler reloads the kdump kernel",
        LifeCycleStepKind.Restore => "Crash, boot the kdump kernel and restore the keys",
        LifeCycleStepKind.Dump => "Write the dump and reboot",
        _ => kind.ToString(),
    };

    /// <summary>The step's facts, one a line; never key bytes.</summary>
    public static IReadOnlyList<string> Lines(LifeCycleReport report, LifeCycleStep step)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new List<string>();
        switch (step)
        {
            case BootStep boot:
                BootLines(lines, report.Options, boot);
                break;
            case ConfigfsStep configfs:
                ConfigfsLines(lines, configfs);
                if (report.Options.Keyring == KeyringBackend.Kernel && configfs.Succeeded && !configfs.SkippedForReuse)
                {
                    lines.Add(Invariant($"real kernel: request_key found each logon key, and each now expires {configfs.KeyTimeout.TotalSeconds:0} s from now (KEYCTL_SET_TIMEOUT)"));
                }

                break;
            case LoadStep load:
                LoadLines(lines, load, report.Options.Keyring == KeyringBackend.Kernel);
                break;
            case HotplugStep hotplug:
                HotplugLines(lines, hotplug);
                break;
            case RestoreStep restore:
                RestoreLines(lines, restore, report.Options);
                break;
            case DumpStep dump:
                DumpLines(lines, dump);
                break;
        }

        return lines;
    }

    /// <summary>The last line: <c>PASS: ...</c> or <c>FAIL: ...</c>.</summary>
    public static string Verdict(LifeCycleReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        int opened = report.VolumesOpened;
        int volumes = report.Volumes;
        return report.Failure switch
        {
            LifeCycleFailure.None => Invariant($"PASS: {opened} of {volumes} volume(s) unlocked in the kdump kernel with keys carried through reserved memory."),
            LifeCycleFailure.ConfigfsRefused => Invariant($"FAIL: configfs refused key item {report.KeysProvisioned + 1}."),
            LifeCycleFailure.LogonKeyUnavailable => Invariant(
                $"FAIL: prepare_luks could not get the logon key of volume {report.KeysProvisioned + 1} ({ErrnoText.Describe(report.Configfs.Items[^1].LogonKeyLookup)}{(report.Configfs.Items[^1].LogonKeySearch == LinuxErrno.EKEYEXPIRED ? ": it has expired" : string.Empty)}), so no crash kernel was loaded."),
            LifeCycleFailure.LoadFailed => "FAIL: the crash kernel could not be loaded, so a crash would leave the volumes locked.",
            LifeCycleFailure.NoCrashKernel => "FAIL: no crash kernel is loaded after the hot-plug reload, so the panic reboots without a dump and the volumes stay locked.",
            LifeCycleFailure.RestoreFailed => Invariant($"FAIL: {opened} of {volumes} volume(s) unlocked; {Describe(report.Restore!.Outcome)}."),
            LifeCycleFailure.VolumesLocked when WrongKeys(report) is > 0 and int wrong => Invariant(
                $"FAIL: {opened} of {volumes} volume(s) unlocked; the restored key of {wrong} volume(s) is not the volume key{ToolVerdict(report)}."),
            LifeCycleFailure.VolumesLocked => Invariant($"FAIL: {opened} of {volumes} volume(s) unlocked; some volumes stayed locked."),
            _ => Invariant($"FAIL: {report.Failure}."),
        };
    }

    /// <summary>One line for a <c>kexec_file_load</c> result.</summary>
    public static string Describe(KexecLoadResult load)
    {
        ArgumentNullException.ThrowIfNull(load);
        string errno = ErrnoText.Describe(load.Error);
        return load.Failure switch
        {
            KexecLoadFailure.None when load.Image is { HasKeys: true } i => Invariant($"loaded; {i.DmCryptKeys.Size} bytes of dm-crypt keys at 0x{i.DmCryptKeys.Start:x}"),
            KexecLoadFailure.None => "loaded; no dm-crypt key items, so no blob",
            KexecLoadFailure.NoDescription => $"key item '{load.FailedItem}' has no description: {errno}",
            KexecLoadFailure.LogonKeyNotFound => $"key item '{load.FailedItem}': no logon key '{load.LookedUpDescription}': {errno}",
            KexecLoadFailure.LogonKeyExpired => $"key item '{load.FailedItem}': logon key '{load.LookedUpDescription}' has expired, and request_key passes over expired keys: {errno}",
            KexecLoadFailure.CommandLineTooLong => $"the kdump command line with elfcorehdr= and dmcryptkeys= would exceed the kernel's cmdline_size: {errno}",
            KexecLoadFailure.LogonKeyRevoked => $"key item '{load.FailedItem}': logon key '{load.LookedUpDescription}' was revoked: {errno}",
            KexecLoadFailure.KeyTooLarge => $"key item '{load.FailedItem}': logon key '{load.LookedUpDescription}' is larger than 256 bytes: {errno}",
            KexecLoadFailure.NoRoomInCrashKernelRegion => $"no room for the blob in the crashkernel region: {errno}",
            _ => errno,
        };
    }

    /// <summary>One line for what the kdump kernel's restore did.</summary>
    public static string Describe(KdumpRestoreOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ulong at = outcome.Address;
        return outcome.Status switch
        {
            KdumpRestoreStatus.Restored => Invariant($"{outcome.KeysRestored} key(s) restored from 0x{at:x}")
                + (outcome.KeysRefused > 0 ? Invariant($", {outcome.KeysRefused} refused by the keyring") : string.Empty),
            KdumpRestoreStatus.AddressMissing => "no blob address was handed over" + HandoffDetail(outcome),
            KdumpRestoreStatus.AddressInvalid => "the blob address was refused" + HandoffDetail(outcome),
            KdumpRestoreStatus.AddressMisaligned => Invariant($"address 0x{at:x} is not 4 KiB-aligned"),
            KdumpRestoreStatus.AddressOutsideRegion => Invariant($"the blob at 0x{at:x} does not lie inside the crashkernel region"),
            KdumpRestoreStatus.CountTooLarge => Invariant(
                $"the blob at 0x{at:x} announces {outcome.TotalKeys} keys, more than {KeyBlobLayout.MaxKeys}; nothing restored ({outcome.Problem})"),
            KdumpRestoreStatus.BlobRefused => Invariant($"the blob at 0x{at:x} is refused: {outcome.Problem}"),
            KdumpRestoreStatus.SizeMismatch => Invariant($"the device tree's size for the blob at 0x{at:x} does not match its total_keys ({outcome.TotalKeys})"),
            KdumpRestoreStatus.KernelBug => Invariant(
                $"the kernel hit BUG_ON in __key_link_begin on an entry with an empty description (security/keys/keyring.c:1308) after restoring {outcome.KeysRestored} key(s) from 0x{at:x}"),
            _ => outcome.Status.ToString(),
        };
    }

    /// <summary>What cryptsetup said for one volume.</summary>
    public static string Describe(CryptsetupStatus status) => status switch
    {
        CryptsetupStatus.Opened => "opened",
        CryptsetupStatus.InvalidKeyringSpec => "refused: not a %user:DESCRIPTION keyring specification",
        CryptsetupStatus.KeyNotFound => "no such user key (ENOKEY): the restore did not bring it over",
        CryptsetupStatus.KeyExpired => "the user key has expired (EKEYEXPIRED)",
        CryptsetupStatus.WrongKey => "the user key does not unlock the volume",
        CryptsetupStatus.CheckFailed => "the user key could not be checked",
        _ => status.ToString(),
    };

    /// <summary>Why the configfs client refused: the same words as <c>configfs</c> uses.</summary>
    public static string Describe(ConfigfsResult result) => ConfigfsText.Describe(result, ConfigfsAttributes.DefaultRoot);

    private static void BootLines(List<string> lines, LifeCycleOptions options, BootStep boot)
    {
        lines.Add(Invariant($"machine: {boot.Memory.Size >> 20} MiB of RAM at 0x{boot.Memory.Start:x}, crashkernel region {boot.CrashKernelRegion}"));
        lines.Add(Invariant(
            $"{boot.Volumes.Count} LUKS volume(s) unlocked; each {options.KeySize}-byte volume key linked as a logon key (crypttab link-volume-key=@u::%logon:<desc>):"));
        AddList(lines, boot.Volumes, v => v.LinkError != LinuxErrno.None ? $"logon key {v.KeyDescription}: add_key failed: {ErrnoText.Describe(v.LinkError)}"
            : v.LogonKeySerial == 0 ? "logon key " + v.KeyDescription
            : Invariant($"real logon key {v.LogonKeySerial} {v.KeyDescription}: keyctl read {(v.ReadBackError == LinuxErrno.None ? "READ IT BACK" : "refused: " + ErrnoText.Describe(v.ReadBackError))}"));
        if (options.Keyring == KeyringBackend.Kernel)
        {
            lines.Add("real kernel: the logon keys sit in a private session keyring; user space cannot read them back, only the kernel can");
        }

        if (options.Luks == LuksBackend.Cryptsetup)
        {
            int made = boot.Volumes.Count(v => v.LuksImage is { Succeeded: true });
            lines.Add(Invariant($"real LUKS2 images: {made} of {boot.Volumes.Count} made by cryptsetup luksFormat --volume-key-file (key through a pipe), in a temporary folder removed at the end"));
            AddList(lines, boot.Volumes.Where(v => v.LuksImage is { Succeeded: false }).ToList(), v => $"cryptsetup luksFormat for {v.Uuid}: {Describe(v.LuksImage!.Value)}");
        }
    }

    private static void ConfigfsLines(List<string> lines, ConfigfsStep configfs, string prefix = "")
    {
        int first = lines.Count;
        ConfigfsResult<bool> reuse = configfs.ReuseBefore;
        if (configfs.SkippedForReuse)
        {
            lines.Add($"{configfs.Root}/{ConfigfsAttributes.Reuse} reads 1: nothing to do, the saved blob is reused");
        }
        else
        {
            lines.Add(reuse.Succeeded
                ? $"{configfs.Root}/{ConfigfsAttributes.Reuse} reads 0, so each key is prepared"
                : $"{configfs.Root}/{ConfigfsAttributes.Reuse} is unreadable ({Describe(reuse.Result)}), so each key is prepared");
        }

        if (configfs.Count is { } count && !configfs.SkippedForReuse)
        {
            string reads = count.Succeeded ? count.Value.ToString(CultureInfo.InvariantCulture) : "unreadable (" + Describe(count.Result) + ")";
            lines.Add(Invariant(
                $"keyctl request logon {KdumpUtils.KeyDescriptionPrefix}<UUID>; keyctl timeout <id> {configfs.KeyTimeout.TotalSeconds:0}; mkdir {configfs.Root}/<UUID> and write the description: for {configfs.ItemsCreated} key(s); count now reads {reads}"));
        }

        foreach (ConfigfsItemOutcome item in configfs.Items)
        {
            if (item.LogonKeyLookup != LinuxErrno.None)
            {
                string expired = item.LogonKeySearch == LinuxErrno.EKEYEXPIRED
                    ? $" (keyctl search: {LinuxErrors.GetName(item.LogonKeySearch)}: the key has expired, and request_key passes over expired keys)"
                    : string.Empty;
                lines.Add($"keyctl request logon {item.Description}: {ErrnoText.Describe(item.LogonKeyLookup)}{expired}; no passphrase can be asked for here, so prepare_luks fails");
                continue;
            }

            if (item.TimeoutSet != LinuxErrno.None)
            {
                lines.Add($"keyctl timeout for {item.Description}: {ErrnoText.Describe(item.TimeoutSet)}");
            }

            if (item.Result is not { } result)
            {
                continue;
            }

            foreach (string warning in ConfigfsText.DescribeWarnings(result.Warnings))
            {
                lines.Add($"warning for {item.Name}: {warning}");
            }

            if (!result.Succeeded)
            {
                lines.Add("refused: " + Describe(result));
            }
        }

        for (int i = first; i < lines.Count; i++)
        {
            lines[i] = prefix + lines[i];
        }
    }

    // The copies crash_dump_dm_crypt.c leaves in the first kernel's memory (FirstKernel.PlaintextLeftBehind): each is
    // in a vmcore of that kernel, so an audit of the dump finds it besides the blob.
    internal static void FirstKernelCopyLines(List<string> lines, LoadStep load) => lines.AddRange(FirstKernelCopyLines(load.FirstKernelPlaintextCopies));

    internal static IEnumerable<string> FirstKernelCopyLines(IReadOnlyList<PlaintextCopy> copies)
    {
        foreach (PlaintextCopy copy in copies)
        {
            yield return copy.Kind switch
            {
                PlaintextCopyKind.KeysHeader => Invariant($"the first kernel keeps its own {copy.Size}-byte plaintext copy in ordinary memory for the reuse path (a vmcore can contain it)"),
                PlaintextCopyKind.PartialKeysHeader => Invariant($"the first kernel keeps the {copy.Size}-byte plaintext copy the failed build left allocated, {copy.Keys} key(s) filled in (a vmcore can contain it)"),
                _ => Invariant($"the first kernel freed a {copy.Size}-byte plaintext copy ({copy.Keys} key(s)) without clearing it (a vmcore can contain it)"),
            };
        }
    }

    private static void LoadLines(List<string> lines, LoadStep load, bool realKeyring)
    {
        KexecLoadResult result = load.Load;
        if (!result.Succeeded || result.Image is not { } image)
        {
            lines.Add("kexec_file_load failed: " + Describe(result));
            FirstKernelCopyLines(lines, load);
            lines.Add(Invariant($"kdumpctl's EXIT trap removes {load.ItemsRemoved} configfs item(s)"));
            return;
        }

        if (image.HasKeys)
        {
            lines.Add(Invariant(
                $"blob: {image.DmCryptKeys.Size} bytes ({KeyBlobLayout.HeaderSize} + {KeyBlobLayout.EntrySize} x {image.KeyCount}) at 0x{image.DmCryptKeys.Start:x}, a random 4 KiB-aligned place in the crashkernel region"));
        }
        else
        {
            lines.Add("no dm-crypt key items, so no blob and no dmcryptkeys=");
        }

        lines.Add(Invariant($"ELF core headers at 0x{image.ElfCoreHeader.Start:x}"));
        lines.Add("kdump kernel command line: " + image.CommandLine);
        if (image.DeviceTree is { } dtb)
        {
            string property = load.DeviceTreeRange is { } range
                ? Invariant($"<0x{range.Address:x} 0x{range.Size ?? 0:x}>")
                : "unreadable";
            lines.Add(Invariant($"kdump kernel device tree: {dtb.Length} bytes, /chosen/linux,dmcryptkeys = {property}"));
        }

        if (realKeyring && image.HasKeys && !result.Warnings.HasFlag(KexecLoadWarnings.Reused))
        {
            lines.Add("real kernel: build_keys_header's request_key found each logon key; the model supplies the payload, which only the kernel can read");
        }

        FirstKernelCopyLines(lines, load);

        KexecLoadWarnings warnings = result.Warnings;
        if (warnings.HasFlag(KexecLoadWarnings.BlobAboveKeyLimit))
        {
            lines.Add(Invariant($"warning: the blob holds {image.KeyCount} keys; the kdump kernel refuses more than {KeyBlobLayout.MaxKeys}"));
        }

        if (warnings.HasFlag(KexecLoadWarnings.DescriptionTruncated))
        {
            lines.Add("warning: a 128-byte description was cut to 127 bytes, and the logon key of that shorter name went into the blob");
        }

        if (warnings.HasFlag(KexecLoadWarnings.DuplicateDescription))
        {
            lines.Add("warning: two items share a description; the blob holds that key twice and the restore keeps one");
        }

        if (warnings.HasFlag(KexecLoadWarnings.Reused))
        {
            lines.Add("reuse: the blob saved earlier was placed again; the keyring was not asked");
        }

        if (warnings.HasFlag(KexecLoadWarnings.ReusedCopySizeMismatch))
        {
            lines.Add("KERNEL DEFECT: the item count changed since the copy was saved, and the kernel places 4 + 388 x count bytes of it anyway (kernel/crash_dump_dm_crypt.c:435-436)");
        }

        string countAfter = load.CountAfterCleanup.Succeeded ? load.CountAfterCleanup.Value.ToString(CultureInfo.InvariantCulture) : "unreadable";
        string blobAfter = !image.HasKeys ? "there is no blob"
            : load.BlobIntactAfterCleanup ? "the blob stays in reserved memory, unchanged"
            : "the blob in reserved memory CHANGED";
        lines.Add(Invariant($"kdumpctl's EXIT trap removes every configfs item ({load.ItemsRemoved}); count now reads {countAfter}; {blobAfter}"));

        string after = load.LogonKeyAfterWait == LinuxErrno.None ? "the logon keys are still there"
            : load.LogonKeySearchAfterWait == LinuxErrno.EKEYEXPIRED ? "the logon keys have expired"
            : "a logon key lookup gives " + ErrnoText.Describe(load.LogonKeyAfterWait);
        if (load.RealKeyTimeout is { } shortened)
        {
            lines.Add(Invariant(
                $"real kernel: each logon key's timeout cut to {shortened.TotalSeconds:0} s (the run does not wait {load.Waited.TotalMinutes:0} min); once the kernel expired them, request_key says {LinuxErrors.GetName(load.LogonKeyAfterWait)} and keyctl search {LinuxErrors.GetName(load.LogonKeySearchAfterWait)}: {after}; the blob waits in reserved memory"));
        }
        else
        {
            lines.Add(Invariant($"{load.Waited.TotalMinutes:0} min later {after}; the blob waits in reserved memory"));
        }
    }

    private static void HotplugLines(List<string> lines, HotplugStep hotplug)
    {
        string reuse = $"{ConfigfsAttributes.DefaultRoot}/{ConfigfsAttributes.Reuse}";
        lines.Add(hotplug.ReuseWrite is { } written
            ? $"reuse_luks_keys: echo 1 > {reuse}: write {(written.Succeeded ? "succeeded" : "failed: " + Describe(written))}"
            : $"reuse_luks_keys as written: [[ -f {reuse} ]] || echo 1 > {reuse}: the file exists, so nothing is written (intended: echo 1 > {reuse})");
        lines.Add("kdumpctl reload: stop_kdump unloads the crash kernel; its blob stays in reserved memory, not wiped");
        ConfigfsLines(lines, hotplug.Prepare, "prepare_luks: ");
        if (hotplug.Reload is not { } reload)
        {
            lines.Add("prepare_luks failed, so kdumpctl loads nothing: no crash kernel is loaded now");
        }
        else if (!reload.Succeeded || reload.Image is not { } image)
        {
            lines.Add("kexec_file_load failed: " + Describe(reload));
        }
        else if (!image.HasKeys)
        {
            lines.Add(Invariant($"kexec_file_load: {Describe(reload)}: configfs has no key items (kdumpctl's EXIT trap removed them after the first load), and the kernel checks the item count before reuse, so the new kdump kernel gets no dmcryptkeys="));
        }
        else
        {
            lines.Add(Invariant($"kexec_file_load: {Describe(reload)}{(reload.Warnings.HasFlag(KexecLoadWarnings.Reused) ? ", the saved blob placed again" : string.Empty)}"));
            lines.Add("kdump kernel command line: " + image.CommandLine);
        }

        lines.Add(Invariant($"kdumpctl's EXIT trap removes {hotplug.ItemsRemoved} configfs item(s)"));
        lines.Add(hotplug.UnuseWrite is { } unused
            ? $"unuse_luks_keys: echo 0 > {reuse}: write {(unused.Succeeded ? "succeeded" : "failed: " + Describe(unused))}"
            : $"unuse_luks_keys as written: [[ -f {reuse} ]] || echo 0 > {reuse}: nothing is written (intended: echo 0 > {reuse})");
    }

    private static void RestoreLines(List<string> lines, RestoreStep restore, LifeCycleOptions options)
    {
        lines.Add("panic: the kdump kernel boots from the crashkernel region");
        string path = $"{ConfigfsAttributes.DefaultRoot}/{ConfigfsAttributes.Restore}";
        if (!restore.RestoreWritten)
        {
            lines.Add($"{path} already reads 1: not written again");
        }
        else
        {
            string before = restore.RestoreBefore.Succeeded ? "reads 0" : "is unreadable";
            string written = restore.RestoreWriteError == LinuxErrno.None ? "succeeded" : "failed: " + ErrnoText.Describe(restore.RestoreWriteError);
            lines.Add($"{path} {before}, so echo {KdumpUtils.RestoreValue} > {path}: write {written}");
        }

        lines.Add("restore: " + Describe(restore.Outcome)
            + (options.Keyring == KeyringBackend.Kernel && restore.Outcome.Status == KdumpRestoreStatus.Restored ? " as real user keys (add_key, create-or-update, in a private session keyring)" : string.Empty));
        foreach (PlaintextCopy copy in restore.KdumpPlaintextCopies)
        {
            lines.Add(Invariant($"the kdump kernel keeps its {copy.Size}-byte plaintext copy of the blob ({copy.Keys} key(s)) allocated: keys_header is never freed"));
        }

        lines.Add(Invariant($"cryptsetup luksOpen --volume-key-keyring %user:{KdumpUtils.KeyDescriptionPrefix}<UUID>: {restore.VolumesOpened} of {restore.Volumes.Count} volume(s) opened"));
        if (options.Keyring == KeyringBackend.Model && options.Luks == LuksBackend.Model)
        {
            AddList(lines, restore.Volumes.Where(v => v.Status != CryptsetupStatus.Opened).ToList(), v => $"cryptsetup luksOpen --volume-key-keyring {v.KeyringSpec}: {Describe(v.Status)}");
            return;
        }

        // With real parts, every volume's checks are shown, failures first.
        AddList(lines, restore.Volumes.OrderBy(v => v.Status == CryptsetupStatus.Opened).ToList(), RealCheckLine);
    }

    // One volume's real checks: request_key, the read-back and constant-time compare, cryptsetup's verdict, the revoke.
    private static string RealCheckLine(CryptsetupOpenResult v)
    {
        var parts = new List<string>();
        if (v.UserKeySerial != 0)
        {
            parts.Add(Invariant($"user key {v.UserKeySerial}"));
        }

        if (v.ReadBackError != LinuxErrno.None)
        {
            parts.Add("keyctl read failed: " + ErrnoText.Describe(v.ReadBackError));
        }
        else if (v.KeyMatches is { } matches)
        {
            parts.Add((v.UserKeySerial != 0 ? "read back, " : string.Empty) + (matches ? "equal to the volume key" : "NOT the volume key") + " (constant-time compare)");
        }

        if (v.LuksCheck is { } check)
        {
            parts.Add("cryptsetup's check on the LUKS2 header: " + (check.Succeeded ? "the volume key" : Describe(check)));
        }

        if (v.Revoked is { } revoked)
        {
            parts.Add(revoked == LinuxErrno.None ? "revoked" : "revoke failed: " + ErrnoText.Describe(revoked));
        }

        string facts = parts.Count == 0 ? Describe(v.Status) : string.Join("; ", parts);
        return $"{v.Uuid}: {(v.Status == CryptsetupStatus.Opened ? "opened" : Describe(v.Status))}: {facts}";
    }

    /// <summary>What cryptsetup said: the code, and its own last line or the reason.</summary>
    public static string Describe(LuksCheckResult result) => LuksText.Describe(result);

    /// <summary>Why the run could not start: the real part that is missing, with its code; exit 2.</summary>
    public static string Describe(RealPartsProblem problem) =>
        !problem.Keyring.Succeeded
            ? $"simulate: --keyring kernel: {KeyringText.Describe(problem.Keyring)}; the kernel keyring cannot be used here"
            : $"simulate: --luks cryptsetup: {LuksText.Describe(problem.Luks)}";

    /// <summary>Which real parts a run used, for the header line; empty for the model alone.</summary>
    private static string RealParts(LifeCycleOptions o) =>
        (o.Keyring, o.Luks) switch
        {
            (KeyringBackend.Kernel, LuksBackend.Cryptsetup) => " with the real kernel keyring and real LUKS2 images (cryptsetup)",
            (KeyringBackend.Kernel, _) => " with the real kernel keyring",
            (_, LuksBackend.Cryptsetup) => " with real LUKS2 images (cryptsetup)",
            _ => string.Empty,
        };

    private static int WrongKeys(LifeCycleReport report) =>
        report.Restore?.Volumes.Count(v => v.Status == CryptsetupStatus.WrongKey) ?? 0;

    // cryptsetup's own words for the first wrong key, when it was asked.
    private static string ToolVerdict(LifeCycleReport report) =>
        report.Restore?.Volumes.FirstOrDefault(v => v.Status == CryptsetupStatus.WrongKey)?.LuksCheck is { Succeeded: false } check
            ? " (cryptsetup: " + Describe(check) + ")"
            : string.Empty;

    private static void DumpLines(List<string> lines, DumpStep dump)
    {
        lines.Add(dump.VmcoreWritten ? "vmcore written to the encrypted dump target" : "the dump target stays locked; no vmcore");
        string ranges = string.Join(", ", dump.Blobs.Select(b => Invariant($"{b.Size} bytes at 0x{b.Start:x}")));
        ulong total = 0;
        foreach (MemoryRange blob in dump.Blobs)
        {
            total += blob.Size;
        }

        string what = dump.Blobs.Count == 1 ? "blob" : Invariant($"{dump.Blobs.Count} blobs");
        lines.Add(dump.BlobZeroised
            ? Invariant($"{what} in reserved memory after the restore: all zero ({ranges})")
            : Invariant($"{what} in reserved memory after the restore: left as it was, the kdump kernel never writes old memory ({dump.NonZeroBytes} of {total} bytes are not zero: {ranges}; the crashkernel region is not in the vmcore)"));
        lines.Add(Invariant($"reboot: the kdump kernel's user keyring is zeroised ({dump.UserKeysZeroised} key(s))"));
    }

    private static void AddList<T>(List<string> lines, IReadOnlyList<T> items, Func<T, string> line)
    {
        for (int i = 0; i < items.Count && i < ListedItems; i++)
        {
            lines.Add("  " + line(items[i]));
        }

        if (items.Count > ListedItems)
        {
            lines.Add(Invariant($"  ... and {items.Count - ListedItems} more"));
        }
    }

    private static string HandoffDetail(KdumpRestoreOutcome outcome) =>
        outcome.CommandLineError != CommandLineError.None ? $" (command line: {CommandLineErrors.GetCode(outcome.CommandLineError)} {CommandLineErrors.GetMessage(outcome.CommandLineError)})"
        : outcome.DeviceTreeError != DeviceTreeError.None ? $" (device tree: {DeviceTreeErrors.GetCode(outcome.DeviceTreeError)} {DeviceTreeErrors.GetMessage(outcome.DeviceTreeError)})"
        : string.Empty;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
