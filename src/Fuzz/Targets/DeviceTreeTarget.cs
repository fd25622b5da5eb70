using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>dtb</c> target. The input is read as a flattened device tree by
/// <see cref="DeviceTree.TryReadDmCryptKeys"/> (no exception; a refusal leaves the range empty; an accepted tree
/// reads the same with bytes appended and cut to its <c>totalsize</c>). Its first bytes also choose an address,
/// a size, cell counts and boot arguments for <see cref="DeviceTree.BuildDtb"/>, whose tree must read back to
/// the same range, and one byte short must be refused.
/// <code>
/// bytes 0-7 address (big-endian), 8-15 size, 16 bit 0 two address cells, bit 1 two size cells,
/// bit 2 with bootargs = bytes 17.. (up to 64, NUL dropped, one byte a character)
/// </code>
/// </summary>
internal static class DeviceTreeTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        ReadHostile(input);
        BuildAndReadBack(input);
    }

    private static void ReadHostile(ReadOnlySpan<byte> input)
    {
        bool ok = DeviceTree.TryReadDmCryptKeys(input, out DmCryptKeysRange range, out DeviceTreeError error);
        CheckVerdict(ok, range, error, "input");
        if (!ok)
        {
            return;
        }

        // What follows totalsize is ignored: the same tree with bytes appended, and cut to totalsize, reads the same.
        GuardedBuffer work = FuzzContext.Current.Work;
        Span<byte> longer = work.Tail(input.Length + 8);
        input.CopyTo(longer);
        longer[input.Length..].Fill(0xFF);
        Check.That(DeviceTree.TryReadDmCryptKeys(longer, out DmCryptKeysRange again, out DeviceTreeError againError), $"appending 8 bytes made an accepted tree fail ({againError})");
        Check.Equal(range, again, "range with bytes appended");

        uint totalSize = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
        Check.That(totalSize <= (uint)input.Length, "an accepted tree has a totalsize beyond the buffer");
        Span<byte> exact = work.Place(input[..(int)totalSize]);
        Check.That(DeviceTree.TryReadDmCryptKeys(exact, out again, out againError), $"cutting an accepted tree to its totalsize made it fail ({againError})");
        Check.Equal(range, again, "range cut to totalsize");
    }

    private static void BuildAndReadBack(ReadOnlySpan<byte> input)
    {
        Span<byte> head = stackalloc byte[17];
        head.Clear();
        input[..Math.Min(input.Length, head.Length)].CopyTo(head);
        ulong address = BinaryPrimitives.ReadUInt64BigEndian(head);
        ulong size = BinaryPrimitives.ReadUInt64BigEndian(head[8..]);
        int addressCells = 1 + (head[16] & 1);
        int sizeCells = 1 + ((head[16] >> 1) & 1);
        string? bootArgs = (head[16] & 4) != 0 && input.Length > 17 ? Latin1WithoutNul(input[17..Math.Min(input.Length, 17 + 64)]) : null;

        // Stay inside what fdt_appendprop_addrrange accepts; the refusal of the rest is checked separately.
        if (addressCells == 1)
        {
            address &= uint.MaxValue;
            size = Math.Min(size, (1UL << 32) - address);
        }

        if (sizeCells == 1)
        {
            size &= uint.MaxValue;
        }

        byte[] dtb = DeviceTree.BuildDtb(address, size, addressCells, sizeCells, bootArgs);
        GuardedBuffer work = FuzzContext.Current.Work;
        string label = $"built tree ({addressCells} address cells, {sizeCells} size cells, bootargs {bootArgs is not null})";
        Span<byte> placed = work.Place(dtb);
        Check.That(DeviceTree.TryReadDmCryptKeys(placed, out DmCryptKeysRange range, out DeviceTreeError error), $"{label} does not read back ({error})");
        Check.Equal(new DmCryptKeysRange(address, size), range, label + " range");

        Span<byte> cut = work.Place(dtb.AsSpan(0, dtb.Length - 1));
        Check.That(!DeviceTree.TryReadDmCryptKeys(cut, out range, out error), label + " one byte short was accepted");
        CheckVerdict(false, range, error, label + " one byte short");

        if (addressCells == 1)
        {
            bool threw = false;
            try
            {
                _ = DeviceTree.BuildDtb((1UL << 32) + (address & 0xffff), 1, 1, sizeCells);
            }
            catch (ArgumentOutOfRangeException)
            {
                threw = true;
            }

            Check.That(threw, "an address past 32 bits with one address cell was written");
        }
    }

    private static string Latin1WithoutNul(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[bytes.Length];
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b != 0)
            {
                chars[n++] = (char)b;
            }
        }

        return new string(chars[..n]);
    }

    private static void CheckVerdict(bool ok, DmCryptKeysRange range, DeviceTreeError error, string label)
    {
        Check.That(Enum.IsDefined(error), $"{label}: undefined error {(int)error}");
        Check.Equal(ok, error == DeviceTreeError.None, label + " verdict against error");
        if (!ok)
        {
            Check.Equal(default(DmCryptKeysRange), range, label + " range on failure");
        }

        Check.That(HandoffErrors.GetMessage(error) != "unknown error", $"{label}: no message for {error}");
    }
}
