using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Dumps.Scanning;

/// <summary>
/// Finds blobs and entries in one window of memory. Entries sit at 4 + 388 i in a kmalloc'd buffer, so candidates are
/// 4-byte aligned words that could be a <c>key_size</c> (1..256) followed by a non-empty description; a vectorised pass
/// finds them and the codec's strict reader decides each one. A lone entry must also hold a key that is not all zero.
/// </summary>
internal static unsafe class WindowScanner
{
    private const int EntrySize = KeyBlobLayout.EntrySize;
    private const int HeaderSize = KeyBlobLayout.HeaderSize;

    // Bytes ahead of the pass that are prefetched: a few cache lines, enough to cover memory latency at streaming speed.
    private const int PrefetchDistance = 1024;

    /// <summary>A finding before addresses are attached: where in the window, and what.</summary>
    internal readonly record struct Hit(int Offset, FindingKind Kind, KeyBlobByteOrder ByteOrder, int Length, FoundKey[] Keys, KeyBlobProblem[] Problems);

    /// <summary>
    /// Scans candidate words at window offsets <c>[from, to)</c> (4-byte aligned relative to the window's start). The window
    /// may extend past <paramref name="to"/> so that a blob or entry starting before it can be read whole.
    /// </summary>
    public static void Scan(ReadOnlySpan<byte> window, int from, int to, ScanByteOrders orders, List<Hit> hits)
    {
        bool little = (orders & ScanByteOrders.Little) != 0;
        bool big = (orders & ScanByteOrders.Big) != 0;
        var last = default(LastBlob);
        int i = from;

        // Vector128 is accelerated on every x86-64 and arm64 target, the Native AOT binary's default instruction set included
        // (where Vector256 is not); the pass is bound by memory bandwidth, not by the vector width.
        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            var littleMask = little ? Vector128<uint>.AllBitsSet : Vector128<uint>.Zero;
            var bigMask = big ? Vector128<uint>.AllBitsSet : Vector128<uint>.Zero;
            var halves = Halves(little, big);
            ref byte start = ref MemoryMarshal.GetReference(window);
            for (; i <= to - 64 && i + 68 <= window.Length; i += 64)
            {
                if (Sse.IsSupported)
                {
                    // The window is page-cache memory read once: fetch ahead across page boundaries, where the hardware
                    // prefetcher stops.
                    Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref start, i + PrefetchDistance)));
                }

                ulong candidates = BlockCandidates(window, ref start, i, halves, littleMask, bigMask, out ulong zeros);
                if (candidates != 0 && i + SpreadReach <= window.Length)
                {
                    candidates = WithoutWideSpread(candidates, zeros, DescriptionField.Mask128(window.Slice(i + 68, 64), 0));
                }

                for (; candidates != 0; candidates &= candidates - 1)
                {
                    Check(window, i + BitOperations.TrailingZeroCount(candidates), little, big, hits, ref last);
                }
            }
        }

        // The window's last bytes (less than a block and the description start after it): the scalar rules themselves.
        for (; i < to && i + 8 <= window.Length; i += 4)
        {
            if (IsCandidate(window, i, little, big))
            {
                Check(window, i, little, big, hits, ref last);
            }
        }
    }

    // The last blob found: its entries are not reported again as lone entries. Nothing else is skipped, so a finding that
    // overlaps another (a lone entry whose key runs into a blob's header) never hides it.
    private struct LastBlob
    {
        public int Start;
        public int End;
        public KeyBlobByteOrder Order;

        public readonly bool HasEntryAt(int p, KeyBlobByteOrder order) =>
            p < End && p > Start && order == Order && (p - Start - HeaderSize) % EntrySize == 0;
    }

    /// <summary>
    /// The candidates of the 64-byte block at <paramref name="i"/> (which must have 4 more bytes after it): bit 4k set when
    /// the word at i + 4k is a key_size in a byte order asked for and the four bytes after it may start a description,
    /// exactly the codec's scalar rules (<see cref="EntryLengths.IsStrictKeySize"/>, <see cref="DescriptionField.MayStartStrict"/>).
    /// </summary>
    internal static ulong BlockCandidates(ReadOnlySpan<byte> window, int i, bool little, bool big) =>
        BlockCandidates(
            window, ref MemoryMarshal.GetReference(window), i, Halves(little, big),
            little ? Vector128<uint>.AllBitsSet : Vector128<uint>.Zero, big ? Vector128<uint>.AllBitsSet : Vector128<uint>.Zero, out _);

    /// <summary>
    /// <see cref="WithoutWideSpread(ulong, ulong, ulong)"/> of the block at <paramref name="i"/>, which must have
    /// <see cref="SpreadReach"/> bytes from it, with its zero masks taken here (for tests).
    /// </summary>
    internal static ulong WithoutWideSpread(ReadOnlySpan<byte> window, int i, ulong candidates) =>
        WithoutWideSpread(candidates, DescriptionField.Mask128(window.Slice(i + 4, 64), 0), DescriptionField.Mask128(window.Slice(i + 68, 64), 0));

    // The bytes from a block's start that WithoutWideSpread reads: the description fields' first 64 bytes of its last word.
    internal const int SpreadReach = 4 + 128;

    /// <summary>
    /// The block's <paramref name="candidates"/> (bit 4k: the word at 4k) less those whose description field fails
    /// <see cref="MayBeFinding"/>'s first padding test, decided here on the field's first 64 bytes without a call: non-zero
    /// bytes after the field's first NUL spread wider than one freelist pointer (text between small integers, nearly every
    /// candidate of it). <paramref name="zeros"/> and <paramref name="zerosNext"/>: the zero masks of the 64 bytes at
    /// 4 and at 68 from the block's start (bit j: byte 4 + j, and 68 + j). A candidate kept may still fail the full test.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong WithoutWideSpread(ulong candidates, ulong zeros, ulong zerosNext)
    {
        ulong kept = candidates;
        for (ulong c = candidates; c != 0; c &= c - 1)
        {
            int b = BitOperations.TrailingZeroCount(c);

            // The field's zero mask (bit j: field byte j). A shift by 64 is a shift by 0 in C#: the next mask goes up by one
            // and then 63 - b, so that b == 0 takes none of it. No branch: candidates of text go either way at random.
            ulong field = (zeros >> b) | ((zerosNext << 1) << (63 - b));
            kept &= ~(SpreadWideBit(AfterFirstNul(field)) << b);
        }

        return kept;
    }

    // The non-zero bytes after the first NUL among a field's first 64 bytes, from their zero mask (bit j: byte j); none
    // when there is no NUL or it is the last byte. zeros ^ (zeros - 1) sets the bits up to the first NUL (all of them when
    // there is none), without a branch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AfterFirstNul(ulong zeros) => ~(zeros | (zeros ^ (zeros - 1)));

    // Whether the bytes of a mask (bit j: byte j) spread wider than one freelist pointer (IsOneFreePointer of the first
    // and last fails): 1 when the mask has a bit 8 or more above its lowest, else 0 (for no bits too: lowest - 1 wraps).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SpreadWideBit(ulong bytes) => (bytes >> sizeof(ulong)) > (bytes & (0 - bytes)) - 1 ? 1UL : 0UL;

    private static bool SpreadWide(ulong bytes) => SpreadWideBit(bytes) != 0;

    // Tests of rising cost, each rule decided once; most blocks stop at the first. Whether any word has the zero half of a
    // key_size (MayHoldKeySize: text, random bytes and zero pages stop here), then which words the start of a description
    // follows, from the zero mask of the next 64 bytes and, only when a description's byte 2 or 3 is zero, their colon
    // mask (arrays of small integers stop here), then which of those words are key sizes.
    // zeros: the zero mask of the 64 bytes at i + 4, when the candidates are not 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BlockCandidates(ReadOnlySpan<byte> window, ref byte start, int i, Vector128<ushort> halves, Vector128<uint> littleMask, Vector128<uint> bigMask, out ulong zeros)
    {
        zeros = 0;
        if (!MayHoldKeySize(ref start, i, halves))
        {
            return 0;
        }

        // The words a description's start follows, before which of them are key sizes: arrays of small integers (a zero
        // byte in every word) stop here, without the key_size compares.
        ReadOnlySpan<byte> next = window.Slice(i + 4, 64);
        zeros = DescriptionField.Mask128(next, 0);
        ulong named = ~zeros & ~(zeros >> 1) & WordStarts;
        ulong colons = (named & ((zeros >> 2) | (zeros >> 3))) != 0 ? DescriptionField.Mask128(next, (byte)':') : 0;
        ulong described = named & DescriptionWords(zeros, colons);
        if (described == 0)
        {
            return 0;
        }

        return described & (KeySizeWords(ref start, i, littleMask, bigMask)
            | (KeySizeWords(ref start, i + 16, littleMask, bigMask) << 16)
            | (KeySizeWords(ref start, i + 32, littleMask, bigMask) << 32)
            | (KeySizeWords(ref start, i + 48, littleMask, bigMask) << 48));
    }

    // Bit 4k of a block's masks: the word at 4k.
    private const ulong WordStarts = 0x1111_1111_1111_1111UL;

    // The zero halves MayHoldKeySize looks for: the high half of a little-endian key_size, the low half of a big-endian one.
    private static Vector128<ushort> Halves(bool little, bool big) =>
        Vector128.Create((little ? 0xFFFF_0000u : 0) | (big ? 0x0000_FFFFu : 0)).AsUInt16();

    // Bit 4k set (of 16 bits) when the word at i + 4k is a key_size of 1..256 in a byte order asked for (littleMask,
    // bigMask: all ones when asked): EntryLengths.IsStrictKeySize as vector compares. Little-endian (w - 1) < 256
    // unsigned; big-endian 1..255 is 0x??000000 read little-endian, 256 is 0x00010000.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeySizeWords(ref byte start, int i, Vector128<uint> littleMask, Vector128<uint> bigMask)
    {
        var words = Vector128.LoadUnsafe(ref start, (nuint)i).AsUInt32();
        var zero = Vector128<uint>.Zero;
        var le = Vector128.LessThan(words - Vector128.Create(1u), Vector128.Create((uint)KeyBlobLayout.MaxKeySize)) & littleMask;
        var be = ((Vector128.Equals(words & Vector128.Create(0x00FF_FFFFu), zero) & ~Vector128.Equals(words, zero))
                  | Vector128.Equals(words, Vector128.Create(0x0001_0000u))) & bigMask;
        return (le | be).AsByte().ExtractMostSignificantBits() & 0x1111u;
    }

    // Whether any 4-byte word of the 64 bytes at i has a zero 16-bit half where a key_size of 1..256 has one (the high
    // half little-endian, the low half big-endian; halves: all ones in the halves asked for), and the 64 bytes are not
    // all zero (a zero word is no key_size, and zero pages are common). Four compares ORed, one test, then one more.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayHoldKeySize(ref byte start, int i, Vector128<ushort> halves)
    {
        var zero = Vector128<ushort>.Zero;
        var a = Vector128.LoadUnsafe(ref start, (nuint)i).AsUInt16();
        var b = Vector128.LoadUnsafe(ref start, (nuint)(i + 16)).AsUInt16();
        var c = Vector128.LoadUnsafe(ref start, (nuint)(i + 32)).AsUInt16();
        var d = Vector128.LoadUnsafe(ref start, (nuint)(i + 48)).AsUInt16();
        var any = Vector128.Equals(a, zero) | Vector128.Equals(b, zero) | Vector128.Equals(c, zero) | Vector128.Equals(d, zero);
        return (any & halves) != zero && (a | b | c | d) != zero;
    }

    // Bit 4k set when the four bytes at 4k + 4 may start a strict description (DescriptionField.MayStartStrict, bit for
    // bit), from their zero and colon masks taken at offset 4 (bit k: byte 4 + k).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong DescriptionWords(ulong zeros, ulong colons) =>
        ~zeros & ~(zeros >> 1) & (~(zeros >> 2) | (colons >> 1)) & (~(zeros >> 3) | (colons >> 1) | (colons >> 2));

    /// <summary>
    /// The scalar reference, the codec's own rules: whether the word at <paramref name="p"/> is a key_size in a byte order
    /// asked for (<see cref="EntryLengths.IsStrictKeySize"/>) followed by the start of a description
    /// (<see cref="DescriptionField.MayStartStrict"/>). <see cref="BlockCandidates(ReadOnlySpan{byte}, int, bool, bool)"/> is tested against it.
    /// </summary>
    internal static bool IsCandidate(ReadOnlySpan<byte> window, int p, bool little, bool big) =>
        ((little && EntryLengths.IsStrictKeySize(BinaryPrimitives.ReadUInt32LittleEndian(window[p..])))
            || (big && EntryLengths.IsStrictKeySize(BinaryPrimitives.ReadUInt32BigEndian(window[p..]))))
        && DescriptionField.MayStartStrict(window[(p + 4)..]);

    // Decides the candidate entry at p in each byte order asked for: a blob whose first entry it is, else a lone entry.
    private static void Check(ReadOnlySpan<byte> window, int p, bool little, bool big, List<Hit> hits, ref LastBlob last)
    {
        if (little && TryCheck(window, p, KeyBlobByteOrder.LittleEndian, hits, ref last))
        {
            return;
        }

        if (big)
        {
            TryCheck(window, p, KeyBlobByteOrder.BigEndian, hits, ref last);
        }
    }

    // The strict rules a freed or reused copy breaks and a detector still reports it for: SLUB writes its
    // freelist pointer mid-object (mm/slub.c, get_freepointer_safe), which lands in an entry's description or data padding.
    private static bool IsPaddingOnly(ReadOnlySpan<KeyBlobProblem> problems)
    {
        foreach (KeyBlobProblem problem in problems)
        {
            if (problem.Error is not (KeyBlobError.DescriptionPaddingNotZero or KeyBlobError.KeyDataPaddingNotZero))
            {
                return false;
            }
        }

        return true;
    }

    // Reads source as a blob in strict mode; failing that, when every rule broken is a padding rule, in kernel mode with
    // those problems, if the padding that is not zero is one freelist pointer. False when it is no blob. The work is
    // bounded by the blob's size: a first problem that is no padding problem ends the check at once.
    private static bool TryReadLenient(ReadOnlySpan<byte> source, KeyBlobByteOrder order, out KeyBlob blob, out KeyBlobProblem[] problems)
    {
        problems = [];
        var strict = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Strict };
        if (KeyBlobReader.TryRead(source, strict, out blob, out KeyBlobProblem first))
        {
            return true;
        }

        Span<KeyBlobProblem> found = stackalloc KeyBlobProblem[MaxPaddingProblems];
        int count;
        if (!IsPaddingOnly([first]) || (count = KeyBlobReader.CollectProblems(source, strict, found)) > found.Length || !IsPaddingOnly(found[..count])
            || !KeyBlobReader.TryRead(source, new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel }, out blob, out _))
        {
            return false;
        }

        int spreadFirst = int.MaxValue;
        int spreadLast = -1;
        int at = HeaderSize;
        foreach (KeyBlobEntry entry in blob)
        {
            PaddingSpread(source.Slice(at, EntrySize), at, entry.Description.Length, entry.KeySize, ref spreadFirst, ref spreadLast);
            at += EntrySize;
        }

        if (!IsOneFreePointer(spreadFirst, spreadLast))
        {
            return false;
        }

        problems = found[..count].ToArray();
        return true;
    }

    // The same for one entry on its own (the codec's per-entry reader): problems are reported from the entry's first byte.
    private static bool TryReadLenientEntry(ReadOnlySpan<byte> source, KeyBlobByteOrder order, out KeyBlobEntry entry, out KeyBlobProblem[] problems)
    {
        problems = [];
        var strict = new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Strict };
        if (KeyBlobReader.TryReadEntry(source, strict, out entry, out KeyBlobProblem first))
        {
            return true;
        }

        Span<KeyBlobProblem> found = stackalloc KeyBlobProblem[MaxPaddingProblems];
        int count;
        if (!IsPaddingOnly([first]) || (count = KeyBlobReader.CollectEntryProblems(source, strict, found)) > found.Length || !IsPaddingOnly(found[..count])
            || !KeyBlobReader.TryReadEntry(source, new KeyBlobReadOptions { ByteOrder = order, Mode = KeyBlobMode.Kernel }, out entry, out _))
        {
            return false;
        }

        int spreadFirst = int.MaxValue;
        int spreadLast = -1;
        PaddingSpread(source[..EntrySize], 0, entry.Description.Length, entry.KeySize, ref spreadFirst, ref spreadLast);
        if (!IsOneFreePointer(spreadFirst, spreadLast))
        {
            return false;
        }

        problems = found[..count].ToArray();
        return true;
    }

    // A freed copy differs from the kzalloc'd one by one freelist pointer (8 bytes, or obfuscated with
    // CONFIG_SLAB_FREELIST_HARDENED: still 8 bytes). Non-zero padding spread wider than that is text or other data that
    // happens to follow a description, not a freed blob: refusing it keeps ordinary memory from reading as entries.
    // first and last: the first and last padding bytes that are not zero (last -1 when there is none).
    private static bool IsOneFreePointer(int first, int last) => last - first < sizeof(ulong);

    // Widens [first, last] to the padding bytes of one entry that are not zero: the description field after its NUL and
    // the data after the key. entry: the entry's 388 bytes, at offset base of whatever first and last count in.
    internal static void PaddingSpread(ReadOnlySpan<byte> entry, int @base, int descriptionLength, int keySize, ref int first, ref int last)
    {
        Widen(entry, KeyBlobLayout.DescriptionOffset + descriptionLength + 1, KeyBlobLayout.DataOffset, @base, ref first, ref last);
        Widen(entry, KeyBlobLayout.DataOffset + keySize, EntrySize, @base, ref first, ref last);

        static void Widen(ReadOnlySpan<byte> entry, int from, int to, int @base, ref int first, ref int last)
        {
            if (from >= to)
            {
                return;
            }

            ReadOnlySpan<byte> padding = entry[from..to];
            int head = padding.IndexOfAnyExcept((byte)0);
            if (head >= 0)
            {
                first = Math.Min(first, @base + from + head);
                last = Math.Max(last, @base + from + padding.LastIndexOfAnyExcept((byte)0));
            }
        }
    }

    // A freed copy has one freelist pointer per object; more padding problems than this are not a freed copy.
    private const int MaxPaddingProblems = 16;

    private static bool TryCheck(ReadOnlySpan<byte> window, int p, KeyBlobByteOrder order, List<Hit> hits, ref LastBlob last) =>
        MayBeFinding(window, p, order) && Decide(window, p, order, hits, ref last);

    /// <summary>
    /// The tests every blob or entry found at <paramref name="p"/> passes, in a fixed number of steps whatever follows
    /// (so the work per candidate is bounded): key_size 1..256, a whole entry in the window, a description "prefix:rest"
    /// with its NUL inside the 128-byte field (strict and freed copies alike), and this entry's non-zero padding within one
    /// freelist pointer (a blob's spread includes its first entry's). Only a candidate that passes reaches the codec.
    /// </summary>
    internal static bool MayBeFinding(ReadOnlySpan<byte> window, int p, KeyBlobByteOrder order)
    {
        uint keySize = order == KeyBlobByteOrder.BigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(window[p..])
            : BinaryPrimitives.ReadUInt32LittleEndian(window[p..]);

        // A blob whose first entry this is, and a lone entry, both need the whole entry in the window.
        if (!EntryLengths.IsStrictKeySize(keySize) || window.Length - p < EntrySize)
        {
            return false;
        }

        // Most candidates (text between small integers, arrays of small integers) fail here.
        // The field's zero and colon masks (the codec's own, DescriptionField) answer the description tests and the field's
        // share of the padding spread at once; the data padding is searched only for what passes those.
        ReadOnlySpan<byte> entryBytes = window.Slice(p, EntrySize);
        ReadOnlySpan<byte> field = entryBytes.Slice(KeyBlobLayout.DescriptionOffset, KeyBlobLayout.DescriptionFieldLength);
        ulong zeroLow = DescriptionField.Mask128(field, 0);

        // The field's non-zero bytes after a NUL in its first 64 (none when the NUL is later: TrailingZeroCount(0) is 64).
        // Spread wider than one freelist pointer, they fail the padding test below whatever the rest holds: text between
        // small integers, nearly always, decided on 64 bytes.
        ulong afterLow = AfterFirstNul(zeroLow);
        if (SpreadWide(afterLow))
        {
            return false;
        }

        ulong zeroHigh = DescriptionField.Mask128(field[64..], 0);
        int nul = zeroLow != 0 ? BitOperations.TrailingZeroCount(zeroLow) : 64 + BitOperations.TrailingZeroCount(zeroHigh);
        if (nul < 2 || nul >= KeyBlobLayout.DescriptionFieldLength)
        {
            return false;
        }

        // logon_vet_description: a ':' after byte 0 and before the NUL (bit 0 and bits from the NUL on masked off).
        ulong colonLow = DescriptionField.Mask128(field, (byte)':');
        ulong colonHigh = nul > 64 ? DescriptionField.Mask128(field[64..], (byte)':') : 0;
        ulong beforeLow = nul >= 64 ? ~1UL : ((1UL << nul) - 1) & ~1UL;
        ulong beforeHigh = nul > 64 ? (1UL << (nul - 64)) - 1 : 0;
        if (((colonLow & beforeLow) | (colonHigh & beforeHigh)) == 0 || field[0] == (byte)':')
        {
            return false;
        }

        // The field's non-zero bytes after the NUL (afterLow above, and these): their spread alone may already exceed one
        // freelist pointer.
        ulong afterHigh = ~zeroHigh & (nul >= 64 ? (nul == 127 ? 0 : ulong.MaxValue << (nul - 63)) : ulong.MaxValue);
        int spreadFirst = afterLow != 0 ? BitOperations.TrailingZeroCount(afterLow) : afterHigh != 0 ? 64 + BitOperations.TrailingZeroCount(afterHigh) : int.MaxValue;
        int spreadLast = afterHigh != 0 ? 127 - BitOperations.LeadingZeroCount(afterHigh) : afterLow != 0 ? 63 - BitOperations.LeadingZeroCount(afterLow) : -1;
        if (!IsOneFreePointer(spreadFirst, spreadLast))
        {
            return false;
        }

        spreadFirst = spreadFirst == int.MaxValue ? int.MaxValue : spreadFirst + KeyBlobLayout.DescriptionOffset;
        spreadLast = spreadLast < 0 ? -1 : spreadLast + KeyBlobLayout.DescriptionOffset;
        int dataPadding = KeyBlobLayout.DataOffset + (int)keySize;
        if (dataPadding < EntrySize)
        {
            ReadOnlySpan<byte> padding = entryBytes[dataPadding..];
            int head = padding.IndexOfAnyExcept((byte)0);
            if (head >= 0)
            {
                spreadFirst = Math.Min(spreadFirst, dataPadding + head);
                spreadLast = Math.Max(spreadLast, dataPadding + padding.LastIndexOfAnyExcept((byte)0));
            }
        }

        return IsOneFreePointer(spreadFirst, spreadLast);
    }

    // The codec's decision on a candidate that passed the cheap tests. Kept out of TryCheck: its locals (a blob view holds
    // every entry's lengths) would otherwise be zeroed on every candidate.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Decide(ReadOnlySpan<byte> window, int p, KeyBlobByteOrder order, List<Hit> hits, ref LastBlob last)
    {
        // A complete blob whose first entry is this one: the count sits in the word before.
        if (p >= HeaderSize
            && KeyBlobReader.TryReadCount(window[(p - HeaderSize)..], order, out uint count)
            && count - 1 < KeyBlobLayout.MaxKeys
            && TryReadLenient(window[(p - HeaderSize)..], order, out KeyBlob blob, out KeyBlobProblem[] blobProblems))
        {
            hits.Add(new Hit(p - HeaderSize, FindingKind.Blob, ToDumpOrder(order), blob.Size, Keys(blob), blobProblems));
            last = new LastBlob { Start = p - HeaderSize, End = p - HeaderSize + blob.Size, Order = order };
            return true;
        }

        if (last.HasEntryAt(p, order))
        {
            return false;
        }

        // A lone entry, read in place. One whose key is all zero holds no secret: zero padding after random bytes, or a
        // scrubbed copy.
        if (TryReadLenientEntry(window.Slice(p, EntrySize), order, out KeyBlobEntry entry, out KeyBlobProblem[] problems) && entry.Key.ContainsAnyExcept((byte)0))
        {
            hits.Add(new Hit(p, FindingKind.Entry, ToDumpOrder(order), EntrySize, [new FoundKey(entry.Description.ToArray(), entry.KeySize)], problems));
            return true;
        }

        return false;
    }

    private static FoundKey[] Keys(KeyBlob blob)
    {
        var keys = new FoundKey[blob.Count];
        int i = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            keys[i++] = new FoundKey(entry.Description.ToArray(), entry.KeySize);
        }

        return keys;
    }

    private static KeyBlobByteOrder ToDumpOrder(KeyBlobByteOrder order) =>
        order == KeyBlobByteOrder.BigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
}
