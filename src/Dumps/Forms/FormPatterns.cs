using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Forms;

/// <summary>
/// Every form of every known key as a byte pattern (the key, each half, and the AES encryption and decryption schedules of
/// each 16-, 24- or 32-byte candidate), and one table that finds all of them in one pass at any alignment. Patterns are at
/// least <see cref="MinLength"/> bytes, so probing the 4-byte word at every <see cref="Stride"/>-th position
/// (<c>MinLength - 3</c>) lands inside every copy; each pattern's words at offsets below the stride are in an
/// open-addressing table, so a probe is one multiply and, nearly always, one empty slot. Pattern bytes and the table are
/// derived from keys: both are pinned and zeroed by <see cref="Dispose"/>.
/// </summary>
internal sealed class FormPatterns : IDisposable
{
    /// <summary>
    /// Shortest pattern: the half of a 16-byte key, a key of its own to the kernel (xts_setkey gives each half to a cipher,
    /// crypto/xts.c:41-73 in Linux 7.2; serpent takes 8 bytes, include/crypto/serpent.h:12). It sets the probe's stride to
    /// 5. Shorter keys are not searched in raw form (too many chance matches).
    /// </summary>
    public const int MinPatternLength = 8;

    /// <summary>Longest AES schedule: AES-256's 15 round keys of 16 bytes.</summary>
    public const int MaxScheduleLength = 240;

    private const int Empty = -1;

    // The span tested for zeros before its probes: a page of the smallest size dumps have (x86-64, and arm64's smallest).
    private const int ZeroPage = 4096;

    // The filter: 2^17 bits (16 KiB), in the first-level cache beside the data streaming past; a fixed size keeps the
    // probe's shifts constant. With 16 bits an anchor it passes about one probe in sixteen that is no anchor up to 8,192
    // anchors (1,638 patterns of an 8-byte minimum); beyond that more probes go on to the table, which finds the same.
    // A probe it passes is asked of a second filter of the same size under another hash before the table: of the probes
    // the first passes (a few in a hundred with a hundred keys), the second passes as few again, so that nearly every
    // step of the loop stays in it (the table's probe is a call and costs ten quiet steps).
    private const int FilterBits = 17;
    private const int FilterShift = 32 - FilterBits;

    private readonly byte[] _bytes;
    private readonly Pattern[] _patterns;
    private readonly int[] _table;      // 3 ints a slot: word, pattern index (Empty when free), offset in the pattern
    private readonly int _mask;
    private readonly int _shift;
    private readonly ulong[] _filter;   // one bit per hash of an anchor word: a probe that misses touches only this
    private readonly ulong[] _filter2;  // one bit per second hash of an anchor word, asked only when the first is set

    private FormPatterns(byte[] bytes, Pattern[] patterns, int minLength, int maxLength)
    {
        _bytes = bytes;
        _patterns = patterns;
        MinLength = minLength;
        MaxLength = maxLength;
        Stride = Math.Max(1, minLength - 3);
        int anchors = patterns.Length * Stride;
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(64, anchors * 4));
        _mask = slots - 1;
        _shift = 32 - BitOperations.Log2((uint)slots);
        _table = GC.AllocateArray<int>(slots * 3, pinned: true);

        _filter = GC.AllocateArray<ulong>(1 << (FilterBits - 6), pinned: true);
        _filter2 = GC.AllocateArray<ulong>(1 << (FilterBits - 6), pinned: true);
        for (int s = 0; s < slots; s++)
        {
            _table[(s * 3) + 1] = Empty;
        }

        for (int p = 0; p < patterns.Length; p++)
        {
            ReadOnlySpan<byte> pattern = Bytes(p);
            for (int offset = 0; offset < Stride; offset++)
            {
                uint word = BinaryPrimitives.ReadUInt32LittleEndian(pattern[offset..]);
                int slot = Slot(word);
                while (_table[(slot * 3) + 1] != Empty)
                {
                    slot = (slot + 1) & _mask;
                }

                SetBit(_filter, FilterBit(word));
                SetBit(_filter2, FilterBit2(word));
                _table[slot * 3] = (int)word;
                _table[(slot * 3) + 1] = p;
                _table[(slot * 3) + 2] = offset;
            }
        }

        SkipsZeroPages = (FirstFilter(ref _filter[0], 0) & BitOf(ref _filter2[0], FilterBit2(0))) == 0;
    }

    public int Count => _patterns.Length;

    public int MinLength { get; }

    public int MaxLength { get; }

    public int Stride { get; }

    /// <summary>
    /// Whether <see cref="Search"/> passes over pages of zeros: when no anchor word shares both of the zero word's filter
    /// bits, so that the zero word passes no probe.
    /// </summary>
    internal bool SkipsZeroPages { get; }

    public Pattern this[int index] => _patterns[index];

    /// <summary>What a pattern is: which key, which part, which schedule, and where its bytes are.</summary>
    internal readonly record struct Pattern(int Start, int Length, int KeyIndex, KeyPart Part, AesScheduleKind Schedule, bool BigEndianWords);

    /// <summary>The patterns of every key in <paramref name="keys"/>; schedules with big-endian words too when <paramref name="bigEndian"/>.</summary>
    public static FormPatterns Create(KeySet keys, bool bigEndian)
    {
        var patterns = new List<Pattern>();
        int total = 0;
        Plan(keys, bigEndian, (length, key, part, schedule, big) =>
        {
            patterns.Add(new Pattern(total, length, key, part, schedule, big));
            total += length;
        });
        byte[] bytes = GC.AllocateArray<byte>(Math.Max(1, total), pinned: true);
        Span<uint> encrypt = stackalloc uint[60];
        Span<uint> decrypt = stackalloc uint[60];
        try
        {
            int at = 0;
            foreach (Pattern pattern in patterns)
            {
                Span<byte> target = bytes.AsSpan(at, pattern.Length);
                ReadOnlySpan<byte> key = keys.GetKey(pattern.KeyIndex);
                ReadOnlySpan<byte> part = pattern.Part switch
                {
                    KeyPart.FirstHalf => key[..(key.Length / 2)],
                    KeyPart.SecondHalf => key[(key.Length / 2)..],
                    _ => key,
                };
                if (pattern.Schedule == AesScheduleKind.None)
                {
                    part.CopyTo(target);
                }
                else
                {
                    AesKeyExpansion.Expand(part, encrypt, decrypt);
                    Span<uint> words = (pattern.Schedule == AesScheduleKind.Encryption ? encrypt : decrypt)[..(pattern.Length / sizeof(uint))];
                    for (int w = 0; w < words.Length; w++)
                    {
                        if (pattern.BigEndianWords)
                        {
                            BinaryPrimitives.WriteUInt32BigEndian(target[(w * sizeof(uint))..], words[w]);
                        }
                        else
                        {
                            BinaryPrimitives.WriteUInt32LittleEndian(target[(w * sizeof(uint))..], words[w]);
                        }
                    }
                }

                at += pattern.Length;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(encrypt));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(decrypt));
        }

        int min = patterns.Count == 0 ? MinPatternLength : patterns.Min(static p => p.Length);
        int max = patterns.Count == 0 ? MinPatternLength : patterns.Max(static p => p.Length);
        return new FormPatterns(bytes, [.. patterns], min, max);
    }

    private delegate void PatternSink(int length, int key, KeyPart part, AesScheduleKind schedule, bool bigEndianWords);

    // The forms of each key: the key itself and each half (at least MinPatternLength bytes), and for the key and each half
    // that is an AES key (16, 24 or 32 bytes), both schedules (4 * (rounds + 1) words each), in the dump's byte order.
    private static void Plan(KeySet keys, bool bigEndian, PatternSink sink)
    {
        for (int k = 0; k < keys.Count; k++)
        {
            int length = keys.GetKeyLength(k);
            var parts = new List<(KeyPart Part, int Length)> { (KeyPart.Whole, length) };
            if (length % 2 == 0)
            {
                parts.Add((KeyPart.FirstHalf, length / 2));
                parts.Add((KeyPart.SecondHalf, length / 2));
            }

            foreach (var (part, partLength) in parts)
            {
                if (partLength >= MinPatternLength && LooksRandom(keys.GetKey(k), part))
                {
                    sink(partLength, k, part, AesScheduleKind.None, false);
                }

                if (AesKeyExpansion.IsKeyLength(partLength))
                {
                    int bytes = AesKeyExpansion.ScheduleWords(partLength) * sizeof(uint);
                    foreach (AesScheduleKind schedule in (ReadOnlySpan<AesScheduleKind>)[AesScheduleKind.Encryption, AesScheduleKind.Decryption])
                    {
                        sink(bytes, k, part, schedule, false);
                        if (bigEndian)
                        {
                            sink(bytes, k, part, schedule, true);
                        }
                    }
                }
            }
        }
    }

    // Raw bytes with few distinct values (zeros, a repeated byte, text-like runs) match ordinary memory: such a part is
    // no key material worth a search, and zeroing its matches could never end. A random 8-byte half has 8 distinct bytes
    // nearly always; at least half of its length (up to 8) are required.
    private static bool LooksRandom(ReadOnlySpan<byte> key, KeyPart part)
    {
        ReadOnlySpan<byte> bytes = part switch
        {
            KeyPart.FirstHalf => key[..(key.Length / 2)],
            KeyPart.SecondHalf => key[(key.Length / 2)..],
            _ => key,
        };
        Span<bool> seen = stackalloc bool[256];
        int distinct = 0;
        foreach (byte b in bytes)
        {
            if (!seen[b])
            {
                seen[b] = true;
                distinct++;
            }
        }

        seen.Clear();
        return distinct >= Math.Min(bytes.Length / 2, 8);
    }

    public ReadOnlySpan<byte> Bytes(int index) => _bytes.AsSpan(_patterns[index].Start, _patterns[index].Length);

    /// <summary>
    /// Every copy of every pattern that starts at <c>[from, to)</c> of <paramref name="data"/>, each reported once (at the
    /// first probe inside it). <paramref name="address"/> is the address (or file offset) of <c>data[0]</c>: windows of one
    /// range probe one grid, and pages of zeros are known by where pages start.
    /// </summary>
    public void Search(ReadOnlySpan<byte> data, int from, int to, ulong address, List<(int Position, int Pattern)> hits)
    {
        if (_patterns.Length == 0)
        {
            return;
        }

        int stride = Stride;
        int phase = (int)(address % (ulong)stride);
        int g = GridAtOrAfter(from, phase, stride);
        int end = Math.Min(data.Length - sizeof(uint), to + stride - 1);
        if (SkipsZeroPages)
        {
            // A page of zeros (free memory, zero-filled pages of ELF and raw dumps) holds only zero words, which no probe
            // passes: its grid positions are passed over after one vectorised test of the page, which a page that is not
            // all zero leaves at its first non-zero byte. Words across its edges are probed as any others.
            int page = g + (int)((ZeroPage - ((address + (ulong)g) % ZeroPage)) % ZeroPage);
            for (; page <= end && page + ZeroPage <= data.Length; page += ZeroPage)
            {
                if (!IsZeroPage(ref Unsafe.Add(ref MemoryMarshal.GetReference(data), page)))
                {
                    continue;
                }

                // The grid positions whose words lie in the page: from the first at or after its start to the last whose
                // word ends in it.
                int first = GridAtOrAfter(page, phase, stride);
                int last = GridAtOrAfter(page + ZeroPage - sizeof(uint) - stride + 1, phase, stride);
                ProbeGrid(data, from, to, g, Math.Min(end, first - 1), hits);
                g = last + stride;
            }
        }

        ProbeGrid(data, from, to, g, end, hits);
    }

    // The first position of the grid (positions whose address is a multiple of stride, phase being data[0]'s address
    // modulo stride) at or after x.
    private static int GridAtOrAfter(int x, int phase, int stride) => x + ((stride - ((phase + x) % stride)) % stride);

    // Whether the ZeroPage bytes from at are all zero: 64 bytes a step (the library's search for a non-zero byte takes 16),
    // so that a page of zeros costs a fraction of its probes; a page that is not all zero nearly always fails the first step.
    private static bool IsZeroPage(ref byte at)
    {
        for (int i = 0; i < ZeroPage; i += 64)
        {
            Vector128<byte> any = Vector128.LoadUnsafe(ref at, (nuint)i) | Vector128.LoadUnsafe(ref at, (nuint)(i + 16))
                | Vector128.LoadUnsafe(ref at, (nuint)(i + 32)) | Vector128.LoadUnsafe(ref at, (nuint)(i + 48));
            if (any != Vector128<byte>.Zero)
            {
                return false;
            }
        }

        return true;
    }

    // The grid positions g, g + stride, ... up to end, probed.
    private void ProbeGrid(ReadOnlySpan<byte> data, int from, int to, int g, int end, List<(int Position, int Pattern)> hits)
    {
        int stride = Stride;
        ref byte start = ref MemoryMarshal.GetReference(data);
        ref ulong filter = ref MemoryMarshal.GetArrayDataReference(_filter);
        ref ulong filter2 = ref MemoryMarshal.GetArrayDataReference(_filter2);

        // Steps of four probes pass through the filters alone (SkipQuiet); a step with a probe in both then probes the table.
        for (int last = end - (3 * stride); (g = SkipQuiet(ref start, ref filter, ref filter2, g, last, stride)) <= last; g += 4 * stride)
        {
            for (int k = 0; k < 4; k++)
            {
                Probe(data, from, to, g + (k * stride), ReadWord(ref start, g + (k * stride)), hits);
            }
        }

        for (; g <= end; g += stride)
        {
            Probe(data, from, to, g, ReadWord(ref start, g), hits);
        }
    }

    /// <summary>The reference the probe loop must agree with: every position <c>g</c> of the grid, one table probe each, no filter.</summary>
    internal void SearchByTableOnly(ReadOnlySpan<byte> data, int from, int to, ulong address, List<(int Position, int Pattern)> hits)
    {
        if (_patterns.Length == 0)
        {
            return;
        }

        int stride = Stride;
        int phase = (int)(address % (ulong)stride);
        int g = GridAtOrAfter(from, phase, stride);
        int end = Math.Min(data.Length - sizeof(uint), to + stride - 1);
        for (; g <= end; g += stride)
        {
            ProbeTable(data, from, to, g, BinaryPrimitives.ReadUInt32LittleEndian(data[g..]), hits);
        }
    }

    // The first step from g on (g, g + stride, ..., up to last) with a probe whose bits are set in both filters; a value
    // past last when none is. Four probes a step, independent of each other, so that their loads and multiplies overlap;
    // no call in the loop, so that its values stay in registers.
    private static int SkipQuiet(ref byte start, ref ulong filter, ref ulong filter2, int g, int last, int stride)
    {
        // The probes' bytes by a reference that moves with g, at fixed distances from it: no index to widen per probe.
        nint stride1 = stride;
        nint stride2 = 2 * stride;
        nint stride3 = 3 * stride;
        int step = 4 * stride;
        ref byte at = ref Unsafe.Add(ref start, g);
        for (; g <= last; g += step, at = ref Unsafe.Add(ref at, step))
        {
            uint w0 = ReadWord(ref at, 0);
            uint w1 = ReadWord(ref at, stride1);
            uint w2 = ReadWord(ref at, stride2);
            uint w3 = ReadWord(ref at, stride3);
            ulong a0 = FirstFilter(ref filter, w0);
            ulong a1 = FirstFilter(ref filter, w1);
            ulong a2 = FirstFilter(ref filter, w2);
            ulong a3 = FirstFilter(ref filter, w3);
            if ((a0 | a1 | a2 | a3) != 0
                && ((a0 & BitOf(ref filter2, FilterBit2(w0))) | (a1 & BitOf(ref filter2, FilterBit2(w1)))
                    | (a2 & BitOf(ref filter2, FilterBit2(w2))) | (a3 & BitOf(ref filter2, FilterBit2(w3)))) != 0)
            {
                return g;
            }
        }

        return g;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadWord(ref byte start, nint at)
    {
        uint word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, at));
        return BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
    }

    // 1 when bit number bit of a filter is set, else 0 (a shift of a ulong by an int uses its low 6 bits).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BitOf(ref ulong filter, uint bit) =>
        (Unsafe.Add(ref filter, (nint)(bit >> 6)) >> (int)bit) & 1;

    private static void SetBit(ulong[] filter, uint bit) => filter[bit >> 6] |= 1UL << (int)bit;

    // The first filter's bit of a word: the filter's 64-bit word from the product's top bits, the bit within it from the
    // word's own low six bits (a shift by the word itself uses them), so that a probe is a multiply, a shift, a load, a
    // shift and a mask. The product's top bits depend on every bit of the word; its low six bits are as random as the
    // anchors' first bytes. FilterBit is the same bit as a number, for building the filter.
    private static uint FilterBit(uint word) => (((word * 0x9E3779B1u) >> (FilterShift + 6)) << 6) | (word & 63);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FirstFilter(ref ulong filter, uint word) =>
        (Unsafe.Add(ref filter, (nint)((word * 0x9E3779B1u) >> (FilterShift + 6))) >> (int)word) & 1;

    // Another odd multiplier (MurmurHash3's second), so that words that share a bit in one filter seldom share one in the other.
    private static uint FilterBit2(uint word) => (word * 0x85EBCA77u) >> FilterShift;

    private void Probe(ReadOnlySpan<byte> data, int from, int to, int g, uint word, List<(int Position, int Pattern)> hits)
    {
        if ((FirstFilter(ref MemoryMarshal.GetArrayDataReference(_filter), word) & BitOf(ref MemoryMarshal.GetArrayDataReference(_filter2), FilterBit2(word))) != 0)
        {
            ProbeTable(data, from, to, g, word, hits);
        }
    }

    // Every pattern with word at some offset below the stride whose copy would start at [from, to) and does.
    private void ProbeTable(ReadOnlySpan<byte> data, int from, int to, int g, uint word, List<(int Position, int Pattern)> hits)
    {
        for (int slot = Slot(word); _table[(slot * 3) + 1] != Empty; slot = (slot + 1) & _mask)
        {
            if (_table[slot * 3] != (int)word)
            {
                continue;
            }

            int p = _table[(slot * 3) + 1];
            int q = g - _table[(slot * 3) + 2];
            int length = _patterns[p].Length;
            if (q >= from && q < to && length <= data.Length - q && data.Slice(q, length).SequenceEqual(Bytes(p)))
            {
                hits.Add((q, p));
            }
        }
    }

    // Fibonacci hashing: the product's top bits.
    private int Slot(uint word) => (int)((word * 0x9E3779B1u) >> _shift);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_bytes);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_table.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_filter.AsSpan()));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_filter2.AsSpan()));
    }
}
