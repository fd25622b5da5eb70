using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrashDmCrypt.Dumps.Compression;

/// <summary>
/// Snappy pages (makedumpfile's <c>snappy_compress</c>), decoded straight into the page: it refuses exactly the blocks
/// libsnappy 1.1.9's <c>snappy_uncompress</c> refuses (snappy.cc, <c>SnappyDecompressor::DecompressAllTags</c>,
/// <c>RefillTag</c>, <c>SnappyArrayWriter</c>; the tests and the <c>snappy-page</c> fuzz target hold the two side by side),
/// keeps no state and allocates nothing. Written here rather than taken from a library: Debian's libsnappy 1.1.9 copies
/// every literal and match through <c>memmove</c> by the PLT (1.8 times this decoder's time on dump pages, bench/README.md),
/// and Snappier's block decoder decodes into a pooled array (movable memory) before copying to the page, makes a decoder
/// a call, and takes a block whose last literal runs past its input.
/// </summary>
internal sealed class SnappyDecompressor : PageDecompressor
{
    private const int Literal = 0;
    private const int Copy1 = 1;
    private const int Copy2 = 2;

    public override DumpError Decompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        if (!TryReadLength(source, out uint length, out int consumed))
        {
            return DumpError.DecompressionFailed;
        }

        if (length != (uint)page.Length)
        {
            return DumpError.DecompressionSizeMismatch;
        }

        return DecodeTags(source[consumed..], page) ? DumpError.None : DumpError.DecompressionFailed;
    }

    /// <summary>
    /// The block's preamble: the decoded length as a little-endian base-128 varint of 1 to 5 bytes whose value fits 32
    /// bits (snappy-stubs-internal.h, <c>Varint::Parse32WithLimit</c>: a fifth byte of 16 or more is refused).
    /// </summary>
    internal static bool TryReadLength(ReadOnlySpan<byte> source, out uint length, out int consumed)
    {
        length = 0;
        for (int i = 0; i < 5 && i < source.Length; i++)
        {
            uint b = source[i];
            if (i == 4 && b >= 16)
            {
                break;
            }

            length |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                consumed = i + 1;
                return true;
            }
        }

        length = 0;
        consumed = 0;
        return false;
    }

    // Tags until the input ends: a literal (tag & 3 == 0; (tag >> 2) + 1 bytes, or for 60..63 a 1- to 4-byte length
    // after the tag, plus one) or a copy of earlier output (1: 4..11 bytes, 11-bit offset; 2: 1..64 bytes, 16-bit
    // offset; 3: 1..64 bytes, 32-bit offset). Refused as libsnappy refuses: a tag cut short (RefillTag), a literal past
    // the input or the page (SnappyArrayWriter::Append), a copy from offset 0 or from before the page or past its end
    // (AppendFromSelf), and a block that ends before the page is full (CheckLength). Every index is checked before use;
    // the wide copies below write up to 15 bytes past a copy's end, never past the page, and those bytes are written
    // again by the copies that follow (output only grows forwards).
    private static bool DecodeTags(ReadOnlySpan<byte> input, Span<byte> page)
    {
        ref byte src = ref MemoryMarshal.GetReference(input);
        ref byte dst = ref MemoryMarshal.GetReference(page);
        nint inEnd = input.Length;
        nint outEnd = page.Length;
        nint ip = 0;
        nint op = 0;
        while (ip < inEnd)
        {
            uint tag = Unsafe.Add(ref src, ip++);
            nint length;
            if ((tag & 3) == Literal)
            {
                length = (nint)(tag >> 2) + 1;
                if (length <= 60 && inEnd - ip >= 64 && outEnd - op >= 64)
                {
                    // A short literal with room for 64 bytes on both sides: whole 16-byte steps.
                    CopyInSteps(ref Unsafe.Add(ref src, ip), ref Unsafe.Add(ref dst, op), length);
                    ip += length;
                    op += length;
                    continue;
                }

                if (length > 60)
                {
                    // 1 to 4 bytes of length - 1 follow the tag: up to 2^32, so counted in 64 bits on every platform.
                    nint extra = length - 60;
                    if (extra > inEnd - ip)
                    {
                        return false;
                    }

                    long value = 0;
                    for (nint i = extra - 1; i >= 0; i--)
                    {
                        value = (value << 8) | Unsafe.Add(ref src, ip + i);
                    }

                    ip += extra;
                    if (value + 1 > inEnd - ip || value + 1 > outEnd - op)
                    {
                        return false;
                    }

                    length = (nint)(value + 1);
                }
                else if (length > inEnd - ip || length > outEnd - op)
                {
                    return false;
                }

                Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref dst, op), ref Unsafe.Add(ref src, ip), (uint)length);
                ip += length;
                op += length;
                continue;
            }

            nuint offset;
            if ((tag & 3) == Copy1)
            {
                if (ip >= inEnd)
                {
                    return false;
                }

                length = 4 + (nint)((tag >> 2) & 7);
                offset = ((nuint)(tag >> 5) << 8) | Unsafe.Add(ref src, ip);
                ip += 1;
            }
            else
            {
                // 2 (tag & 3 == 2) or 4 offset bytes, little-endian.
                int width = (tag & 3) == Copy2 ? 2 : 4;
                if (inEnd - ip < width)
                {
                    return false;
                }

                length = (nint)(tag >> 2) + 1;
                ReadOnlySpan<byte> bytes = input.Slice((int)ip, width);
                offset = width == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
                ip += width;
            }

            if (offset == 0 || offset > (nuint)op || length > outEnd - op)
            {
                return false;
            }

            CopyWithin(ref dst, op, (nint)offset, length, outEnd);
            op += length;
        }

        return op == outEnd;
    }

    // Copies length bytes from offset bytes back to op, as a byte-by-byte forward copy would (an offset below the length
    // repeats the last offset bytes). 0 < offset <= op and op + length <= end hold.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyWithin(ref byte page, nint op, nint offset, nint length, nint end)
    {
        if (end - op >= ((length + 15) & ~15))
        {
            if (offset >= 16)
            {
                // Each 16 bytes loaded lie wholly before the 16 stored: already final.
                CopyInSteps(ref Unsafe.Add(ref page, op - offset), ref Unsafe.Add(ref page, op), length);
                return;
            }

            // A pattern shorter than 16 bytes (runs of zeros, small integers): its bytes repeated across 16 by a shuffle,
            // and each next 16 by a shuffle of the last that starts 16 % offset bytes further into the pattern, so the
            // loop stores from a register and loads nothing. The 16 bytes shuffled first are the 16 before op where
            // there are 16 (what the last copy stored: the load is forwarded from that store, not stalled by it), else
            // the 16 from op - offset, inside the page.
            Vector128<byte> mask = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(PatternMasks), (nuint)(offset * 16));
            Vector128<byte> pattern = op >= 16
                ? Shuffle(Vector128.LoadUnsafe(ref page, (nuint)(op - 16)), mask + Vector128.Create((byte)(16 - offset)))
                : Shuffle(Vector128.LoadUnsafe(ref page, (nuint)(op - offset)), mask);
            Vector128<byte> rotate = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(PatternRotations), (nuint)(offset * 16));
            for (nint i = 0; i < length; i += 16)
            {
                pattern.StoreUnsafe(ref page, (nuint)(op + i));
                pattern = Shuffle(pattern, rotate);
            }

            return;
        }

        // The page's last bytes, where a wide step would pass its end.
        for (nint i = 0; i < length; i++)
        {
            Unsafe.Add(ref page, op + i) = Unsafe.Add(ref page, op + i - offset);
        }
    }

    // A byte shuffle whose indices are all below 16. Vector128.Shuffle with indices known only at run time is a call to a
    // byte-by-byte loop in the Native AOT binary (its x64 baseline lacks SSSE3, so the call is not made an instruction;
    // 10 % of a snappy dump's scan); PSHUFB, behind a flag the binary tests at start-up, is one instruction, and agrees
    // with Shuffle for such indices. arm64's TBL is in its baseline, where Shuffle is already the instruction.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Shuffle(Vector128<byte> vector, Vector128<byte> indices) =>
        Ssse3.IsSupported ? Ssse3.Shuffle(vector, indices) : Vector128.Shuffle(vector, indices);

    // length bytes in whole 16-byte steps, loaded before stored: up to 15 bytes past length are written, which the caller
    // has room for and which the output that follows writes again.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyInSteps(ref byte from, ref byte to, nint length)
    {
        for (nint i = 0; i < length; i += 16)
        {
            Vector128.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
        }
    }

    // For each offset below 16, the byte indices 0, 1, .., offset - 1 repeated across 16 bytes (row 0 unused).
    private static ReadOnlySpan<byte> PatternMasks =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
        0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
        0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
        0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0,
        0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3,
        0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1,
        0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 6,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0,
    ];

    // For each offset below 16, the indices that turn 16 bytes of the repeated pattern into the next 16: each index
    // moved on by 16 % offset, modulo offset (row 0 unused).
    private static ReadOnlySpan<byte> PatternRotations =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
        1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1,
        0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3,
        1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1,
        4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1,
        2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3,
        0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7,
        7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4,
        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,
        5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
        4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7,
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 1, 2, 3, 4, 5,
        2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0, 1, 2, 3,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 1,
    ];
}
