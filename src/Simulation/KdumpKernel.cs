using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Kernel.Keyring;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// The kdump (crash) kernel: boots with the command line or device tree the first kernel prepared, sees the
/// whole RAM as old memory, and on a write to <c>restore</c> reads the blob and adds each key to the user
/// keyring (<c>restore_dm_crypt_keys_to_thread_keyring</c>). Like the kernel it never writes old memory.
/// </summary>
internal sealed class KdumpKernel : IDisposable
{
    private readonly Machine _machine;
    private bool _restore;
    private bool _disposed;

    private readonly List<KeySerial> _realUserKeys = [];
    private readonly List<PlaintextCopy> _copies = [];

    internal KdumpKernel(Machine machine, CrashImage image, PrivateKeyringSession? realUserKeys = null)
    {
        _machine = machine;
        RealUserKeys = realUserKeys;
        CommandLine = image.CommandLine;
        DeviceTree = image.DeviceTree;
        UserKeyring = new Keyring(KeyType.User, machine.Clock);
    }

    /// <summary>The command line this kernel booted with (<c>/proc/cmdline</c>).</summary>
    public string CommandLine { get; }

    /// <summary>The device tree this kernel booted with, or null (x86).</summary>
    public IReadOnlyList<byte>? DeviceTree { get; }

    /// <summary>The user keyring the restore adds keys to (<c>KEY_SPEC_USER_KEYRING</c> of the writer).</summary>
    public Keyring UserKeyring { get; }

    /// <summary>
    /// When set, the restore adds real <c>user</c> keys to this session's keyring (<see cref="KernelKeyringSink"/>)
    /// instead of <see cref="UserKeyring"/>. The caller owns the session.
    /// </summary>
    public PrivateKeyringSession? RealUserKeys { get; }

    /// <summary>The serials of the real user keys the restore added, one per entry (create-or-update repeats a serial).</summary>
    public IReadOnlyList<KeySerial> RealUserKeySerials => _realUserKeys;

    /// <summary>User keys the restore left in the keyring: the model's, or the distinct real ones.</summary>
    public int UserKeyCount => RealUserKeys is null ? UserKeyring.Count : _realUserKeys.Distinct().Count();

    /// <summary>The last restore, or null before the first write to <c>restore</c>.</summary>
    public KdumpRestoreOutcome? LastRestore { get; private set; }

    /// <summary>
    /// The plaintext copies of the blob the real kdump kernel holds: one <c>keys_header</c> per restore that read a count
    /// of at most 128, never freed (kernel/crash_dump_dm_crypt.c:129). The model clears its own (deviation D5).
    /// </summary>
    public IReadOnlyList<PlaintextCopy> PlaintextLeftBehind => _copies;

    /// <summary>The machine (its memory is this kernel's old memory).</summary>
    public Machine Machine => _machine;

    /// <summary>
    /// <c>config_keys_restore_store</c>: while <c>restore</c> is false, any write (even <c>no</c> or garbage)
    /// first runs the restore and ignores its result; only then is the value parsed with <c>kstrtobool</c>
    /// (EINVAL on failure, leaving <c>restore</c> false so the next write restores again).
    /// </summary>
    public RestoreWriteResult StoreRestore(ReadOnlySpan<byte> page)
    {
        KdumpRestoreOutcome? outcome = null;
        if (!_restore)
        {
            outcome = RestoreKeys();
        }

        if (!KernelBool.TryParse(page, out bool value))
        {
            return new RestoreWriteResult(LinuxErrno.EINVAL, outcome);
        }

        _restore = value;
        return new RestoreWriteResult(LinuxErrno.None, outcome);
    }

    /// <summary><c>config_keys_restore_show</c>: <c>"%d\n"</c>.</summary>
    public string ShowRestore() => _restore ? "1\n" : "0\n";

    /// <summary>
    /// <c>restore_dm_crypt_keys_to_thread_keyring</c>: finds the address, reads <c>total_keys</c> from old memory,
    /// refuses a count above 128, copies 4 + 388 * count bytes and hands the entries to the user keyring with
    /// create-or-update semantics: strict mode through <see cref="KeyBlobRestorer"/> (which zeroises the copy),
    /// kernel mode every entry <c>key_create_or_update</c> accepts (<see cref="KeyBlobKernelRestore"/>).
    /// Old memory is never written (kernel/crash_dump_dm_crypt.c:135 only reads).
    /// </summary>
    public KdumpRestoreOutcome RestoreKeys()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        KdumpRestoreOutcome outcome = Restore();
        LastRestore = outcome;
        return outcome;
    }

    /// <summary>Zeroises the user keyring (the reboot after the dump).</summary>
    public void Dispose()
    {
        _disposed = true;
        UserKeyring.Dispose();
    }

    private KdumpRestoreOutcome Restore()
    {
        KeyBlobMode mode = _machine.Options.RestoreMode;
        bool strict = mode == KeyBlobMode.Strict;
        KdumpRestoreStatus? handoffFailure = FindAddress(strict, out ulong address, out ulong? handedSize, out CommandLineError commandLineError, out DeviceTreeError deviceTreeError);
        uint count = 0;
        KdumpRestoreOutcome Outcome(KdumpRestoreStatus status, int restored = 0, int refused = 0, KeyBlobProblem problem = default, KernelRestoreEntry[]? entries = null) => new()
        {
            Status = status,
            Address = address,
            TotalKeys = count,
            KeysRestored = restored,
            KeysRefused = refused,
            Problem = problem,
            CommandLineError = commandLineError,
            DeviceTreeError = deviceTreeError,
            Entries = entries ?? [],
        };

        if (handoffFailure is { } failure)
        {
            return Outcome(failure);
        }

        MemoryRange region = _machine.CrashKernelRegion;
        if (strict && address % Machine.PageSize != 0)
        {
            return Outcome(KdumpRestoreStatus.AddressMisaligned);
        }

        if (strict && !region.Contains(address, KeyBlobLayout.HeaderSize))
        {
            return Outcome(KdumpRestoreStatus.AddressOutsideRegion);
        }

        // dm_crypt_keys_read(&key_count, sizeof(key_count)) from old memory (kernel/crash_dump_dm_crypt.c:117-118).
        Span<byte> header = stackalloc byte[KeyBlobLayout.HeaderSize];
        ReadOldMemory(address, header);
        KeyBlobReader.TryReadCount(header, _machine.Options.ByteOrder, out count);
        if (!KeyBlobLayout.TryGetBlobSize(count, out int size))
        {
            // key_count > KEY_NUM_MAX: return -1, nothing added, nothing written (:119-123). The codec names the
            // refusal: the header alone is a blob whose count it refuses.
            KeyBlobReader.TryRead(header, new KeyBlobReadOptions { ByteOrder = _machine.Options.ByteOrder, Mode = KeyBlobMode.Kernel }, out _, out KeyBlobProblem tooMany);
            return Outcome(KdumpRestoreStatus.CountTooLarge, problem: tooMany);
        }

        // keys_header = kzalloc(size) (:128-129): the real kernel keeps it, whatever the model's strict checks say.
        _copies.Add(new PlaintextCopy(PlaintextCopyKind.KdumpKeysHeader, size, (int)count));
        if (strict && !region.Contains(address, (ulong)size))
        {
            return Outcome(KdumpRestoreStatus.AddressOutsideRegion);
        }

        if (strict && handedSize is { } handed && handed != (ulong)size)
        {
            return Outcome(KdumpRestoreStatus.SizeMismatch);
        }

        // keys_header = kzalloc(size); dm_crypt_keys_read(keys_header, size) (:128-135). The kernel never writes old
        // memory: the blob stays, and a second restore reads it again.
        using var copy = SecretBuffer.CopyOf(new byte[size]);
        ReadOldMemory(address, copy.Span);
        return strict ? RestoreStrict(copy, Outcome) : RestoreAsTheKernel(copy, Outcome);
    }

    private KdumpRestoreOutcome RestoreStrict(SecretBuffer copy, OutcomeFactory outcome)
    {
        var options = new KeyBlobReadOptions { ByteOrder = _machine.Options.ByteOrder, Mode = KeyBlobMode.Strict };
        KeyBlobRestoreResult result;
        int added;
        int refused;
        if (RealUserKeys is { } session)
        {
            // The real kernel's key_create_or_update, into the private session's keyring.
            var real = new KernelKeyringSink(session, session.Keyring, _realUserKeys);
            int before = _realUserKeys.Count;
            result = KeyBlobRestorer.Restore(copy.Span, options, ref real);
            added = _realUserKeys.Count - before;
            refused = real.Failures;
        }
        else
        {
            var sink = new KeyringSink(UserKeyring);
            result = KeyBlobRestorer.Restore(copy.Span, options, ref sink);
            added = sink.Added;
            refused = sink.Refused;
        }

        return result.Succeeded
            ? outcome(KdumpRestoreStatus.Restored, added, refused)
            : outcome(KdumpRestoreStatus.BlobRefused, problem: result.Problem);
    }

    // Kernel mode: every entry key_create_or_update accepts is added (KeyBlobKernelRestore.Evaluate), over-reads
    // included. The model's kdump heap past its copy of the blob reads as zero bytes (FORMAT.md deviation D2).
    private KdumpRestoreOutcome RestoreAsTheKernel(SecretBuffer copy, OutcomeFactory outcome)
    {
        var entries = new KernelRestoreEntry[KeyBlobLayout.MaxKeys];
        KernelRestoreSummary summary = KeyBlobKernelRestore.Evaluate(copy.Span, _machine.Options.ByteOrder, entries);
        entries = entries[..summary.EntryCount];
        var real = RealUserKeys is { } session ? new KernelKeyringSink(session, session.Keyring, _realUserKeys) : default;
        int added = 0;
        int refused = 0;
        foreach (KernelRestoreEntry entry in entries)
        {
            if (entry.Action == KernelKeyAction.Refused)
            {
                refused++;
                continue;
            }

            if (entry.Action == KernelKeyAction.KernelBug)
            {
                // The writing task dies in __key_link_begin (security/keys/keyring.c:1308); nothing after it is handled.
                return outcome(KdumpRestoreStatus.KernelBug, added, refused, entries: entries);
            }

            using var key = SecretBuffer.CopyOf(new byte[entry.KeySize]);
            entry.GetKnownKey(copy.Span).CopyTo(key.Span);
            ReadOnlySpan<byte> description = entry.GetDescription(copy.Span);
            if (RealUserKeys is not null)
            {
                int failures = real.Failures;
                real.Add(description, key.Span);
                added += real.Failures == failures ? 1 : 0;
            }
            else if (UserKeyring.Add(description, key.Span) == LinuxErrno.None)
            {
                added++;
            }
        }

        return outcome(KdumpRestoreStatus.Restored, added, refused, entries: entries);
    }

    private delegate KdumpRestoreOutcome OutcomeFactory(KdumpRestoreStatus status, int restored = 0, int refused = 0, KeyBlobProblem problem = default, KernelRestoreEntry[]? entries = null);

    // read_from_oldmem (fs/proc/vmcore.c:159-206): the model has bytes only for its RAM; elsewhere it reads zeros
    // (deviation D3: on a real machine most such addresses are RAM or MMIO, and address 0 is the first page of RAM).
    private void ReadOldMemory(ulong address, Span<byte> destination)
    {
        destination.Clear();
        MemoryRange ram = _machine.Memory.Range;
        ulong end = address + (ulong)destination.Length < address ? ulong.MaxValue : address + (ulong)destination.Length;
        ulong from = Math.Max(address, ram.Start);
        ulong to = Math.Min(end, ram.Start + ram.Size);
        if (from < to)
        {
            _machine.Memory.GetSpan(from, (int)(to - from)).CopyTo(destination[(int)(from - address)..]);
        }
    }

    // Where the address comes from: dm_crypt_keys_addr (early_param "dmcryptkeys") or /chosen/linux,dmcryptkeys.
    // In kernel mode a missing or bad value leaves the address at 0, and the kernel reads from there.
    private KdumpRestoreStatus? FindAddress(bool strict, out ulong address, out ulong? size, out CommandLineError commandLineError, out DeviceTreeError deviceTreeError)
    {
        size = null;
        commandLineError = CommandLineError.None;
        deviceTreeError = DeviceTreeError.None;
        bool found;
        bool missing;
        CommandLineMode lineMode = strict ? CommandLineMode.Strict : CommandLineMode.Kernel;
        bool onLine = KernelCommandLine.TryGetDmCryptKeysAddress(System.Text.Encoding.UTF8.GetBytes(CommandLine), lineMode, out ulong fromLine, out CommandLineProblem lineProblem);

        // setup_dmcryptkeys runs from parse_early_param, after the device-tree scan on arm64 (arch/arm64/kernel/setup.c:292,
        // :299): a dmcryptkeys= on the command line overrides the property. A bare dmcryptkeys (kernel mode) leaves it.
        bool lineDecides = onLine || lineProblem.Error switch
        {
            CommandLineError.ParameterMissing => false,
            CommandLineError.ValueMissing => strict,
            _ => true,
        };
        if (DeviceTree is null || lineDecides)
        {
            found = onLine;
            address = fromLine;
            commandLineError = lineProblem.Error;
            missing = commandLineError == CommandLineError.ParameterMissing;
        }
        else
        {
            byte[] dtb = [.. DeviceTree];
            DeviceTreeMode mode = strict ? DeviceTreeMode.Strict : DeviceTreeMode.Kernel;
            found = Kernel.Handoff.DeviceTree.TryReadDmCryptKeys(dtb, mode, out DmCryptKeysRange range, out DeviceTreeProblem problem);
            deviceTreeError = problem.Error;
            address = range.Address;
            size = range.Size;
            missing = deviceTreeError is DeviceTreeError.PropertyMissing or DeviceTreeError.ChosenMissing;
        }

        if (found)
        {
            return null;
        }

        if (!strict)
        {
            address = 0;
            return null;
        }

        return missing ? KdumpRestoreStatus.AddressMissing : KdumpRestoreStatus.AddressInvalid;
    }

    // add_key_to_keyring: key_create_or_update(user keyring, "user", key_desc, data, key_size); errors are ignored.
    private struct KeyringSink(Keyring keyring) : IKeyBlobSink
    {
        public int Added;
        public int Refused;

        public void Add(KeyBlobEntry entry)
        {
            if (keyring.Add(entry.Description, entry.Key) == LinuxErrno.None)
            {
                Added++;
            }
            else
            {
                Refused++;
            }
        }
    }
}
