using System.Buffers;
using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Handoff;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Simulation;

/// <summary>
/// The first (production) kernel: the logon keyring cryptsetup links volume keys into, the
/// <c>crash_dm_crypt_keys</c> configfs group, and <c>kexec_file_load</c> of the crash kernel, which builds
/// the blob the kernel's way and places it at a random 4 KiB-aligned address in the crashkernel region.
/// </summary>
internal sealed class FirstKernel : IDisposable
{
    /// <summary>Bytes the model reserves for the ELF core headers segment.</summary>
    public const int ElfCoreHeaderSize = Machine.PageSize;

    private readonly Machine _machine;

    // keys_header: the first kernel's own plaintext copy of the blob, kept for the reuse path.
    private SecretBuffer? _keysHeader;
    private int _keysInHeader;
    private bool _partialHeader;
    private readonly List<PlaintextCopy> _freedCopies = [];
    private bool _crashed;

    internal FirstKernel(Machine machine, IKeyring? logonKeyring = null)
    {
        _machine = machine;
        LogonKeyring = logonKeyring ?? new Keyring(KeyType.Logon, machine.Clock);
        Configfs = new FirstKernelConfigfs(this);
    }

    /// <summary>The keyring <c>request_key</c> searches for the loader (where systemd-cryptsetup's <c>link-volume-key=</c> or cryptsetup's <c>--link-vk-to-keyring</c> put the keys).</summary>
    public IKeyring LogonKeyring { get; }

    /// <summary>The configfs group.</summary>
    public FirstKernelConfigfs Configfs { get; }

    /// <summary>The crash kernel image loaded now, or null.</summary>
    public CrashImage? LoadedImage { get; private set; }

    /// <summary>Size of the first kernel's own copy of the blob (0 when it has none).</summary>
    public int SavedCopySize => _keysHeader?.Length ?? 0;

    /// <summary>The first kernel's copy itself, so tests can watch it being zeroised (empty when there is none).</summary>
    internal ReadOnlyMemory<byte> SavedCopy => _keysHeader?.Memory ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>The machine this kernel runs on.</summary>
    public Machine Machine => _machine;

    /// <summary>
    /// <c>kexec_file_load(KEXEC_FILE_ON_CRASH)</c> as on x86_64: frees the previous crash image (its bytes stay
    /// in reserved memory), places the ELF core headers (first fit) and the dm-crypt keys blob (random,
    /// 4 KiB-aligned; <c>crash_load_dm_crypt_keys</c>), and builds the kdump kernel's command line or device tree.
    /// </summary>
    /// <returns>The errno the system call returns, with the reason and the loaded image.</returns>
    /// <exception cref="InvalidOperationException">The kernel has crashed or was disposed.</exception>
    public KexecLoadResult LoadCrashKernel()
    {
        ThrowIfGone();
        LoadedImage = null;

        // bzImage64_load: cmdline_len counts the NUL; it must leave room for elfcorehdr= (kexec-bzimage64.c:507-519).
        bool x86 = _machine.Options.Handoff == KdumpHandoff.CommandLine;
        int commandLineLength = Encoding.UTF8.GetByteCount(_machine.Options.KdumpParameters) + 1;
        if (x86 && commandLineLength + MaxElfCoreHeaderParameterLength > _machine.Options.CommandLineSize)
        {
            return Fail(LinuxErrno.EINVAL, KexecLoadFailure.CommandLineTooLong, null, null, KexecLoadWarnings.None);
        }

        var segments = new List<MemoryRange>();
        if (!TryPlace(ElfCoreHeaderSize, random: false, segments, out ulong elfAddress))
        {
            return Fail(LinuxErrno.EADDRNOTAVAIL, KexecLoadFailure.NoRoomInCrashKernelRegion, null, null, KexecLoadWarnings.None);
        }

        Span<byte> elf = _machine.Memory.GetSpan(elfAddress, ElfCoreHeaderSize);
        elf.Clear();
        "\x7f"u8.CopyTo(elf);
        "ELF"u8.CopyTo(elf[1..]);
        var elfRange = new MemoryRange(elfAddress, ElfCoreHeaderSize);
        segments.Add(elfRange);

        if (Configfs.KeyCount == 0)
        {
            // crash_load_dm_crypt_keys returns 0 with no key items (kernel/crash_dump_dm_crypt.c:421-424): no blob, no address.
            return Loaded(new CrashImage { ElfCoreHeader = elfRange, CommandLine = BuildCommandLine(elfAddress, 0) }, KexecLoadWarnings.NoKeys);
        }

        KexecLoadWarnings warnings = KexecLoadWarnings.None;
        int size = GetHeaderSize(Configfs.KeyCount);
        if (Configfs.Reuse)
        {
            // kbuf.buffer = keys_header, bufsz = get_keys_header_size(key_count) with the current count and no check
            // (kernel/crash_dump_dm_crypt.c:426, :435-436): a kernel defect when the count changed since the copy was made.
            warnings |= KexecLoadWarnings.Reused;
            if (_keysHeader is null || _keysHeader.Length != size)
            {
                warnings |= KexecLoadWarnings.ReusedCopySizeMismatch;
            }
        }
        else
        {
            KexecLoadResult? failed = BuildKeysHeader(ref warnings);
            if (failed is not null)
            {
                return failed;
            }
        }

        if (!TryPlace(size, random: true, segments, out ulong keysAddress))
        {
            // The kernel kvfree()s keys_header here without clearing the pointer or the bytes (kernel/crash_dump_dm_crypt.c:444).
            FreeKeysHeader(recordFreed: true);
            return Fail(LinuxErrno.EADDRNOTAVAIL, KexecLoadFailure.NoRoomInCrashKernelRegion, null, null, warnings);
        }

        // kimage_load_crash_segment: copy bufsz bytes, zero the rest of memsz (rounded up to a page).
        // ... and for dmcryptkeys= once a blob is placed (kexec-bzimage64.c:530-535); keys_header stays allocated (item 14).
        if (x86 && commandLineLength + MaxElfCoreHeaderParameterLength + MaxDmCryptKeysParameterLength > _machine.Options.CommandLineSize)
        {
            return Fail(LinuxErrno.EINVAL, KexecLoadFailure.CommandLineTooLong, null, null, warnings);
        }

        // A reused copy shorter than bufsz: the kernel copies heap bytes past it; the model has none and writes zeros (D2).
        Span<byte> segment = _machine.Memory.GetSpan(keysAddress, RoundUpToPage(size));
        segment.Clear();
        ReadOnlySpan<byte> saved = _keysHeader is null ? default : _keysHeader.Span;
        saved[..Math.Min(saved.Length, size)].CopyTo(segment);
        var keysRange = new MemoryRange(keysAddress, (ulong)size);
        byte[]? deviceTree = _machine.Options.Handoff == KdumpHandoff.DeviceTree
            ? DeviceTree.BuildDtb(keysAddress, (ulong)size, _machine.Options.DeviceTreeAddressCells, _machine.Options.DeviceTreeSizeCells, _machine.Options.KdumpParameters)
            : null;
        return Loaded(new CrashImage { ElfCoreHeader = elfRange, DmCryptKeys = keysRange, CommandLine = BuildCommandLine(elfAddress, keysAddress), DeviceTree = deviceTree }, warnings);
    }

    /// <summary>
    /// <c>kexec -p -u</c> (kdumpctl's <c>stop_kdump</c>): the crash image is freed. Its segments stay in reserved
    /// memory as they were, the blob included, and the first kernel keeps its own copy.
    /// </summary>
    /// <exception cref="InvalidOperationException">The kernel has crashed or was disposed.</exception>
    public void UnloadCrashKernel()
    {
        ThrowIfGone();
        LoadedImage = null;
    }

    /// <summary>
    /// The panic: the first kernel stops and the loaded crash kernel boots on the crashkernel region, with the
    /// whole RAM as its old memory. This kernel's keyring and its copy of the blob are zeroised (the model's
    /// hygiene; on a real machine they stay in old memory and so in the vmcore).
    /// </summary>
    /// <param name="realUserKeys">A private session keyring the kdump kernel restores real user keys into; null for the model's keyring. The caller keeps it.</param>
    /// <exception cref="InvalidOperationException">No crash kernel is loaded (a real kernel would just reboot), or this kernel is gone.</exception>
    public KdumpKernel Crash(PrivateKeyringSession? realUserKeys = null)
    {
        ThrowIfGone();
        CrashImage image = LoadedImage ?? throw new InvalidOperationException("No crash kernel is loaded; a panic would reboot the machine without kdump.");
        _crashed = true;
        LogonKeyring.Dispose();
        FreeKeysHeader();
        return new KdumpKernel(_machine, image, realUserKeys);
    }

    /// <summary>Zeroises the keyring and the first kernel's copy of the blob.</summary>
    public void Dispose()
    {
        _crashed = true;
        LogonKeyring.Dispose();
        FreeKeysHeader();
    }

    /// <summary>
    /// The plaintext copies of keys the real first kernel holds in its memory now (and so in a vmcore after a crash):
    /// freed but uncleared <c>keys_header</c> allocations (kvfree does not clear), then the live one.
    /// </summary>
    public IReadOnlyList<PlaintextCopy> PlaintextLeftBehind =>
        _keysHeader is null || _keysInHeader == 0
            ? [.. _freedCopies]
            : [.. _freedCopies, new PlaintextCopy(_partialHeader ? PlaintextCopyKind.PartialKeysHeader : PlaintextCopyKind.KeysHeader, _keysHeader.Length, _keysInHeader)];

    /// <summary>
    /// Bytes the last <c>reuse</c> write copied past the end of the first kernel's <c>keys_header</c> (a heap overflow,
    /// a kernel defect): <c>get_keys_from_kdump_reserved_memory</c> copies 4 + 388 * key_count bytes with the
    /// current count into the buffer sized for the count of the last build (kernel/crash_dump_dm_crypt.c:91-98).
    /// </summary>
    public int ReuseHeapOverflowBytes { get; private set; }

    /// <summary>Bytes the last <c>reuse</c> write read past the blob in reserved memory (same defect).</summary>
    public int ReuseOverReadBytes { get; private set; }

    /// <summary>
    /// <c>get_keys_from_kdump_reserved_memory</c> (kernel/crash_dump_dm_crypt.c:87-99): memcpy of 4 + 388 * key_count
    /// bytes (the current count) from the loaded blob into the existing <c>keys_header</c>. The model copies what fits
    /// and counts the rest (<see cref="ReuseHeapOverflowBytes"/>, <see cref="ReuseOverReadBytes"/>).
    /// </summary>
    internal void CopyKeysBackFromReservedMemory()
    {
        CrashImage image = LoadedImage!;
        int size = GetHeaderSize(Configfs.KeyCount);
        int allocated = _keysHeader?.Length ?? 0;
        ReuseHeapOverflowBytes = Math.Max(0, size - allocated);
        ReuseOverReadBytes = (int)Math.Max(0L, size - (long)image.DmCryptKeys.Size);
        int copied = (int)Math.Min((ulong)Math.Min(size, allocated), image.DmCryptKeys.Size);
        if (_keysHeader is not null)
        {
            _machine.Memory.GetSpan(image.DmCryptKeys.Start, copied).CopyTo(_keysHeader.Span);
        }
    }

    // MAX_ELFCOREHDR_STR_LEN and MAX_DMCRYPTKEYS_STR_LEN (arch/x86/kernel/kexec-bzimage64.c:32-33).
    private const int MaxElfCoreHeaderParameterLength = 30;
    private const int MaxDmCryptKeysParameterLength = 31;

    private static int GetHeaderSize(int count) => checked(KeyBlobLayout.HeaderSize + (KeyBlobLayout.EntrySize * count));

    private static int RoundUpToPage(int size) => (size + Machine.PageSize - 1) & ~(Machine.PageSize - 1);

    private static KexecLoadResult Fail(LinuxErrno error, KexecLoadFailure failure, string? item, string? lookedUp, KexecLoadWarnings warnings) =>
        new() { Error = error, Failure = failure, FailedItem = item, LookedUpDescription = lookedUp, Warnings = warnings };

    private KexecLoadResult Loaded(CrashImage image, KexecLoadWarnings warnings)
    {
        LoadedImage = image;
        return new KexecLoadResult { Image = image, Warnings = warnings };
    }

    // build_keys_header: a zeroed buffer sized from key_count, total_keys = key_count, then one entry per
    // item in configfs order. The count and each entry are written by the codec one at a time, so the 129-entry
    // blob the kernel builds for a 129th item, and repeated descriptions, come out as the kernel writes them even
    // though KeyBlobWriter.Write refuses such a key set as a whole.
    private KexecLoadResult? BuildKeysHeader(ref KexecLoadWarnings warnings)
    {
        // if (keys_header != NULL) kvfree(keys_header): freed, not cleared (kernel/crash_dump_dm_crypt.c:372-373).
        FreeKeysHeader(recordFreed: true);
        int count = Configfs.KeyCount;
        var buffer = new SecretBuffer(GetHeaderSize(count));
        var options = new KeyBlobWriteOptions { ByteOrder = _machine.Options.ByteOrder };
        KeyBlobWriter.WriteCount((uint)count, buffer.Span, options);

        if (count > KeyBlobLayout.MaxKeys)
        {
            warnings |= KexecLoadWarnings.BlobAboveKeyLimit;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach ((string name, byte[]? description) in Configfs.RawItems())
        {
            if (description is null)
            {
                KeepPartial(buffer, i);
                return Fail(LinuxErrno.EINVAL, KexecLoadFailure.NoDescription, name, null, warnings);
            }

            // strscpy(key_desc, description, KEY_DESC_MAX_LEN): at most 127 bytes, then NUL.
            byte[] truncated = description.Length > KeyBlobLayout.MaxDescriptionLength
                ? description[..KeyBlobLayout.MaxDescriptionLength]
                : description;
            string lookedUp = Encoding.UTF8.GetString(truncated);
            LinuxErrno found = LogonKeyring.RequestKey(truncated, out ReadOnlyMemory<byte> payload);
            if (found != LinuxErrno.None)
            {
                // request_key passes over an expired key and says ENOKEY; the load returns that errno. The
                // reason is the model's to tell (keyctl search still sees the key, as EKEYEXPIRED).
                KeepPartial(buffer, i);
                KexecLoadFailure failure = found == LinuxErrno.EKEYREVOKED ? KexecLoadFailure.LogonKeyRevoked
                    : LogonKeyring.Search(truncated) == LinuxErrno.EKEYEXPIRED ? KexecLoadFailure.LogonKeyExpired
                    : KexecLoadFailure.LogonKeyNotFound;
                return Fail(found, failure, name, lookedUp, warnings);
            }

            if (payload.Length > KeyBlobLayout.MaxKeySize)
            {
                KeepPartial(buffer, i);
                return Fail(LinuxErrno.EINVAL, KexecLoadFailure.KeyTooLarge, name, lookedUp, warnings);
            }

            if (truncated.Length != description.Length)
            {
                warnings |= KexecLoadWarnings.DescriptionTruncated;
            }

            if (!seen.Add(lookedUp))
            {
                warnings |= KexecLoadWarnings.DuplicateDescription;
            }

            var key = new KeyBlobKey(truncated, payload);
            if (KeyBlobWriter.WriteEntry(key, buffer.Span[(KeyBlobLayout.EntriesOffset + (KeyBlobLayout.EntrySize * i))..], options, out KeyBlobProblem problem) != OperationStatus.Done)
            {
                // Every rule the writer checks for one key was already enforced above by configfs and the keyring.
                buffer.Dispose();
                throw new InvalidOperationException($"Model invariant broken for item '{name}': {problem}");
            }

            i++;
        }

        _keysHeader = buffer;
        _keysInHeader = count;
        _partialHeader = false;
        return null;
    }

    // A failed build_keys_header returns with keys_header still allocated (kernel/crash_dump_dm_crypt.c:389-401).
    private void KeepPartial(SecretBuffer buffer, int keys)
    {
        _keysHeader = buffer;
        _keysInHeader = keys;
        _partialHeader = true;
    }

    // The model clears what it frees (deviation D5); recordFreed notes the plaintext the kernel's kvfree leaves.
    private void FreeKeysHeader(bool recordFreed = false)
    {
        if (recordFreed && _keysHeader is not null && _keysInHeader > 0)
        {
            _freedCopies.Add(new PlaintextCopy(PlaintextCopyKind.FreedKeysHeader, _keysHeader.Length, _keysInHeader));
        }

        _keysHeader?.Dispose();
        _keysHeader = null;
        _keysInHeader = 0;
    }

    // kexec_add_buffer (kernel/kexec_file.c:781-782): memsz rounded up to a page, alignment at least a page. Then
    // locate_mem_hole_bottom_up (:517-557) over the crashkernel region: with kbuf.random the walk starts at
    // start + (end - start) / USHRT_MAX * i for a random u16 i (include/linux/kexec.h:203-214), aligns up and steps a
    // page past each conflict; it fails (EADDRNOTAVAIL) at the region's end even when room is left below the start.
    private bool TryPlace(int size, bool random, List<MemoryRange> segments, out ulong address)
    {
        MemoryRange region = _machine.CrashKernelRegion;
        ulong memsz = (ulong)RoundUpToPage(size);
        ulong start = region.Start;
        ulong end = region.End - 1;
        ulong candidate = start;
        if (random)
        {
            ushort i = (ushort)_machine.Random.Next(ushort.MaxValue + 1);
            candidate = start + ((end - start) / ushort.MaxValue * i);
        }

        while (true)
        {
            candidate = (candidate + Machine.PageSize - 1) & ~(ulong)(Machine.PageSize - 1);
            if (candidate + memsz - 1 > end)
            {
                address = 0;
                return false;
            }

            var range = new MemoryRange(candidate, memsz);
            if (!segments.Exists(s => s.Overlaps(range)))
            {
                address = candidate;
                return true;
            }

            candidate += Machine.PageSize;
        }
    }

    // setup_cmdline in arch/x86/kernel/kexec-bzimage64.c: "elfcorehdr=0x%lx ", then "dmcryptkeys=0x%llx "
    // when keys were saved, then the kdump kernel's own parameters. With a device tree the address goes there.
    private string BuildCommandLine(ulong elfAddress, ulong keysAddress)
    {
        if (_machine.Options.Handoff == KdumpHandoff.DeviceTree)
        {
            return _machine.Options.KdumpParameters;
        }

        string keys = keysAddress == 0 ? string.Empty : KernelCommandLine.FormatDmCryptKeysParameter(keysAddress);
        return $"elfcorehdr=0x{elfAddress:x} {keys}{_machine.Options.KdumpParameters}";
    }

    private void ThrowIfGone()
    {
        if (_crashed)
        {
            throw new InvalidOperationException("This kernel has crashed or was shut down.");
        }
    }
}
