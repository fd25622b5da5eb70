using System.Buffers.Binary;
using CrashDmCrypt.Dumps.Scanning;
using CsCheck;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>
/// The scanner's vector candidate test of a 64-byte block says what the codec's scalar rules say of each word in it
/// (<c>WindowScanner.IsCandidate</c>: <c>EntryLengths.IsStrictKeySize</c> in a byte order asked for, followed by
/// <c>DescriptionField.MayStartStrict</c>), so the vector form neither drops nor adds a candidate.
/// </summary>
public class WindowScannerFormTests
{
    private static readonly (bool Little, bool Big)[] Orders = [(true, false), (false, true), (true, true)];

    // Bit 4k set when the word at i + 4k passes the scalar rules.
    private static ulong Reference(byte[] block, int i, bool little, bool big)
    {
        ulong mask = 0;
        for (int k = 0; k < 16; k++)
        {
            if (WindowScanner.IsCandidate(block, i + (4 * k), little, big))
            {
                mask |= 1UL << (4 * k);
            }
        }

        return mask;
    }

    [Fact]
    public void Every_key_size_class_and_description_start_at_every_word_agrees_with_the_scalar_rules()
    {
        uint[] sizes = [0, 1, 2, 255, 256, 257, 0x100, 0x0100_0000, 0xFF00_0000, 0x0001_0000, 0x0001_0001, 0x0000_FF00, uint.MaxValue];
        byte[] alphabet = [0, (byte)':', (byte)'a'];
        int checks = 0;
        foreach (var (little, big) in Orders)
        {
            for (int k = 0; k < 16; k++)
            {
                foreach (uint size in sizes)
                {
                    for (int code = 0; code < 81; code++)
                    {
                        // The rest of the block is text, so that only the word under test can pass.
                        byte[] block = System.Text.Encoding.ASCII.GetBytes(new string('x', 72));
                        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(4 * k), size);
                        for (int b = 0; b < 4; b++)
                        {
                            block[(4 * k) + 4 + b] = alphabet[code / (int)Math.Pow(3, b) % 3];
                        }

                        Assert.Equal(Reference(block, 0, little, big), WindowScanner.BlockCandidates(block, 0, little, big));
                        checks++;
                    }
                }
            }
        }

        Assert.Equal(3 * 16 * 13 * 81, checks);
    }

    [Fact]
    public void Generated_blocks_agree_with_the_scalar_rules()
    {
        // Bytes that make key sizes and description starts likely: zeros, small values, ':' and letters.
        Gen<byte> bytes = Gen.OneOfConst<byte>(0, 0, 0, 1, 2, (byte)':', (byte)'a', 0xFF);
        Gen.Select(bytes.Array[72], Gen.Int[0, 2]).Sample(
            (block, order) =>
            {
                var (little, big) = Orders[order];
                Assert.Equal(Reference(block, 0, little, big), WindowScanner.BlockCandidates(block, 0, little, big));
            },
            iter: 20_000);
    }
}
