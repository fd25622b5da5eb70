using System.Buffers;
using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>dtb</c> target. The input is read as a flattened device tree by
/// <see cref="DeviceTree.TryReadDmCryptKeys(ReadOnlySpan{byte}, DeviceTreeMode, out DmCryptKeysRange, out DeviceTreeProblem)"/>
/// in both modes (no exception; a refusal leaves the range empty and names a defined 2xx problem at an offset inside
/// the input; whatever strict mode accepts, kernel mode accepts identically; an accepted tree reads the same with
/// bytes appended and cut to its <c>totalsize</c>; kernel mode's answer equals a second, libfdt-style lookup's).
/// Its first bytes also choose an address, a size, cell counts and boot arguments for
/// <see cref="DeviceTree.BuildDtb"/>, whose tree must read back to the same range, and one byte short must be refused.
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
        bool ok = DeviceTree.TryReadDmCryptKeys(input, out DmCryptKeysRange range, out DeviceTreeProblem problem);
        CheckVerdict(ok, range, problem, input.Length, "input");
        bool kernelOk = DeviceTree.TryReadDmCryptKeys(input, DeviceTreeMode.Kernel, out DmCryptKeysRange kernelRange, out DeviceTreeProblem kernelProblem);
        CheckVerdict(kernelOk, kernelRange, kernelProblem, input.Length, "input, kernel mode");
        if (ok)
        {
            Check.That(kernelOk, $"strict accepted but kernel mode refused ({kernelProblem})");
            Check.Equal(range, kernelRange, "kernel mode range of a strict-accepted tree");
        }
        else if (problem.Error is not (DeviceTreeError.AddressCellsMissing or DeviceTreeError.DuplicateProperty))
        {
            // The modes differ only in those two rules; any other refusal is the same in both.
            Check.Equal(problem, kernelProblem, "kernel mode problem where strict refused for another reason");
        }

        CheckAgainstReference(input, kernelOk, kernelRange, kernelProblem);
        if (!ok)
        {
            return;
        }

        // What follows totalsize is ignored: the same tree with bytes appended, and cut to totalsize, reads the same.
        GuardedBuffer work = FuzzContext.Current.Work;
        Span<byte> longer = work.Tail(input.Length + 8);
        input.CopyTo(longer);
        longer[input.Length..].Fill(0xFF);
        Check.That(DeviceTree.TryReadDmCryptKeys(longer, out DmCryptKeysRange again, out DeviceTreeProblem againProblem), $"appending 8 bytes made an accepted tree fail ({againProblem})");
        Check.Equal(range, again, "range with bytes appended");

        uint totalSize = BinaryPrimitives.ReadUInt32BigEndian(input[4..]);
        Check.That(totalSize <= (uint)input.Length, "an accepted tree has a totalsize beyond the buffer");
        Span<byte> exact = work.Place(input[..(int)totalSize]);
        Check.That(DeviceTree.TryReadDmCryptKeys(exact, out again, out againProblem), $"cutting an accepted tree to its totalsize made it fail ({againProblem})");
        Check.Equal(range, again, "range cut to totalsize");
    }

    // Where the reader's walk accepted the tree's structure, the libfdt-style lookup must agree with kernel mode.
    private static void CheckAgainstReference(ReadOnlySpan<byte> input, bool kernelOk, DmCryptKeysRange kernelRange, DeviceTreeProblem kernelProblem)
    {
        ReferenceVerdict expected;
        switch (kernelProblem.Error)
        {
            case DeviceTreeError.None:
                expected = ReferenceVerdict.Found;
                break;
            case DeviceTreeError.ChosenMissing or DeviceTreeError.PropertyMissing:
                expected = ReferenceVerdict.Absent;
                break;
            case DeviceTreeError.BadCellCount or DeviceTreeError.BadPropertyLength:
                expected = ReferenceVerdict.Refused;
                break;
            default:
                return;
        }

        ReferenceVerdict verdict = ReferenceLookup.Find(input, out DmCryptKeysRange referenceRange);
        Check.That(expected == verdict, $"reference lookup: {verdict}, kernel mode: {expected} ({kernelProblem})");
        if (kernelOk)
        {
            Check.Equal(kernelRange, referenceRange, "reference lookup range");
        }
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

        // The writer's verdict on the raw values: refused exactly where fdt_appendprop_addrrange says -FDT_ERR_BADVALUE.
        Span<byte> value = stackalloc byte[16];
        OperationStatus status = DeviceTree.WriteDmCryptKeysProperty(value, address, size, addressCells, sizeCells, out int written, out DeviceTreeProblem writeProblem);
        bool fits = (addressCells == 2 || (address <= uint.MaxValue && size <= (1UL << 32) - address)) && (sizeCells == 2 || size <= uint.MaxValue);
        Check.That(status == (fits ? OperationStatus.Done : OperationStatus.InvalidData), $"writer status {status} for values that fit: {fits}");
        Check.Equal(fits ? DeviceTree.GetDmCryptKeysPropertyLength(addressCells, sizeCells) : 0, written, "writer bytes written");
        Check.That(fits == (writeProblem.Error == DeviceTreeError.None), $"writer problem {writeProblem} against status {status}");
        Check.That(fits || writeProblem.Code.StartsWith("CDC22", StringComparison.Ordinal), $"writer problem code {writeProblem.Code}");
        if (fits)
        {
            Span<byte> shortBuffer = stackalloc byte[16];
            status = DeviceTree.WriteDmCryptKeysProperty(shortBuffer[..(written - 1)], address, size, addressCells, sizeCells, out int shortWritten, out _);
            Check.That(status == OperationStatus.DestinationTooSmall, $"writer status one byte short: {status}");
            Check.Equal(0, shortWritten, "bytes written one byte short");
        }

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
        Check.That(DeviceTree.TryReadDmCryptKeys(placed, out DmCryptKeysRange range, out DeviceTreeProblem problem), $"{label} does not read back ({problem})");
        Check.Equal(new DmCryptKeysRange { Address = address, Size = size }, range, label + " range");

        Span<byte> cut = work.Place(dtb.AsSpan(0, dtb.Length - 1));
        Check.That(!DeviceTree.TryReadDmCryptKeys(cut, out range, out problem), label + " one byte short was accepted");
        CheckVerdict(false, range, problem, cut.Length, label + " one byte short");

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

    private static void CheckVerdict(bool ok, DmCryptKeysRange range, DeviceTreeProblem problem, int inputLength, string label)
    {
        Check.That(Enum.IsDefined(problem.Error), $"{label}: undefined error {(int)problem.Error}");
        Check.Equal(ok, problem.Error == DeviceTreeError.None, label + " verdict against problem");
        if (!ok)
        {
            Check.Equal(default(DmCryptKeysRange), range, label + " range on failure");
            Check.That(problem.Code.Length == 6 && problem.Code.StartsWith("CDC2", StringComparison.Ordinal), $"{label}: code {problem.Code} is not CDC2xx");
            Check.That(problem.Error is not (DeviceTreeError.AddressDoesNotFitCells or DeviceTreeError.SizeDoesNotFitCells), $"{label}: the reader gave a writer's problem");
        }
        else
        {
            Check.Equal(default(DeviceTreeProblem), problem, label + " problem on success");
        }

        Check.That(problem.Offset >= 0 && problem.Offset <= inputLength, $"{label}: offset {problem.Offset} outside the {inputLength}-byte input");
        Check.That(problem.Message != "unknown error", $"{label}: no message for {problem.Error}");
    }

    private enum ReferenceVerdict
    {
        Found,
        Absent,
        Refused,
    }

    /// <summary>
    /// A second lookup built the way libfdt's is, from offsets and not one pass: find the root, take the first
    /// matching property from the start of its property list (<c>fdt_getprop</c>), find the root's first child
    /// named <c>chosen</c> or <c>chosen@…</c> by stepping over whole subtrees (<c>fdt_subnode_offset</c>), then its
    /// property. It runs only on trees whose structure the reader accepted, and reads with the kernel's defaults.
    /// </summary>
    private static class ReferenceLookup
    {
        private const uint BeginNode = 1;
        private const uint EndNode = 2;
        private const uint Prop = 3;
        private const uint Nop = 4;

        public static ReferenceVerdict Find(ReadOnlySpan<byte> dtb, out DmCryptKeysRange range)
        {
            range = default;
            int structure = (int)Word(dtb, 8);
            ReadOnlySpan<byte> strings = dtb[(int)Word(dtb, 12)..];
            int root = structure;

            int chosen = -1;
            for (int child = FirstChild(dtb, root); child >= 0; child = NextSibling(dtb, child))
            {
                ReadOnlySpan<byte> name = NodeName(dtb, child);
                if (name.StartsWith("chosen"u8) && (name.Length == 6 || name[6] == (byte)'@'))
                {
                    chosen = child;
                    break;
                }
            }

            if (chosen < 0 || !TryGetProperty(dtb, strings, chosen, "linux,dmcryptkeys\0"u8, out ReadOnlySpan<byte> value))
            {
                return ReferenceVerdict.Absent;
            }

            // early_init_dt_check_for_dmcryptkeys: #address-cells cells from the value's start, no length check, no
            // #size-cells (drivers/of/fdt.c:866-870); other #address-cells and reads past the tree: deviation D4.
            int addressCells = TryGetProperty(dtb, strings, root, "#address-cells\0"u8, out ReadOnlySpan<byte> cells) ? CellCount(cells) : 1;
            int sizeCells = TryGetProperty(dtb, strings, root, "#size-cells\0"u8, out cells) ? CellCount(cells) : 1;
            int addressLength = 4 * addressCells;
            dtb.Overlaps(value, out int at);
            if (addressCells is not (1 or 2) || dtb.Length - at < addressLength)
            {
                return ReferenceVerdict.Refused;
            }

            range = new DmCryptKeysRange
            {
                Address = Number(dtb.Slice(at, addressLength)),
                Size = sizeCells != 0 && value.Length == addressLength + (4 * sizeCells) ? Number(value[addressLength..]) : null,
            };
            return ReferenceVerdict.Found;
        }

        private static int CellCount(ReadOnlySpan<byte> value) => value.Length == 4 && Word(value, 0) is 1 or 2 ? (int)Word(value, 0) : 0;

        private static ulong Number(ReadOnlySpan<byte> cells) => cells.Length == 4 ? Word(cells, 0) : BinaryPrimitives.ReadUInt64BigEndian(cells);

        private static ReadOnlySpan<byte> NodeName(ReadOnlySpan<byte> dtb, int node)
        {
            ReadOnlySpan<byte> rest = dtb[(node + 4)..];
            return rest[..rest.IndexOf((byte)0)];
        }

        private static int AfterName(ReadOnlySpan<byte> dtb, int node) => Align(node + 4 + NodeName(dtb, node).Length + 1);

        // fdt_getprop: the properties right after the node's name (NOPs skipped), up to the first other token.
        private static bool TryGetProperty(ReadOnlySpan<byte> dtb, ReadOnlySpan<byte> strings, int node, ReadOnlySpan<byte> nameWithNul, out ReadOnlySpan<byte> value)
        {
            for (int at = AfterName(dtb, node); ; at = Next(dtb, at))
            {
                uint tag = Word(dtb, at);
                if (tag == Nop)
                {
                    continue;
                }

                if (tag != Prop)
                {
                    value = default;
                    return false;
                }

                if (strings[(int)Word(dtb, at + 8)..].StartsWith(nameWithNul))
                {
                    value = dtb.Slice(at + 12, (int)Word(dtb, at + 4));
                    return true;
                }
            }
        }

        // fdt_first_subnode: the first FDT_BEGIN_NODE after the node's properties, or -1 at its FDT_END_NODE.
        private static int FirstChild(ReadOnlySpan<byte> dtb, int node)
        {
            int at = AfterName(dtb, node);
            while (Word(dtb, at) is Prop or Nop)
            {
                at = Next(dtb, at);
            }

            return Word(dtb, at) == BeginNode ? at : -1;
        }

        // fdt_next_subnode: step over the node's whole subtree, then over NOPs, to the next FDT_BEGIN_NODE at its level.
        private static int NextSibling(ReadOnlySpan<byte> dtb, int node)
        {
            int depth = 0;
            int at = node;
            do
            {
                uint tag = Word(dtb, at);
                depth += tag == BeginNode ? 1 : tag == EndNode ? -1 : 0;
                at = Next(dtb, at);
            }
            while (depth > 0);

            while (Word(dtb, at) is Prop or Nop)
            {
                at = Next(dtb, at);
            }

            return Word(dtb, at) == BeginNode ? at : -1;
        }

        // fdt_next_tag: the offset of the token after the one at `at`.
        private static int Next(ReadOnlySpan<byte> dtb, int at) => Word(dtb, at) switch
        {
            BeginNode => AfterName(dtb, at),
            Prop => Align(at + 12 + (int)Word(dtb, at + 4)),
            _ => at + 4,
        };

        private static int Align(int offset) => (offset + 3) & ~3;

        private static uint Word(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
    }
}
