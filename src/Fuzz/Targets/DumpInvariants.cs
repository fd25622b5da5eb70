using System.Buffers;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// What every dump reader must hold on hostile bytes (shared by the <c>dump-*</c> targets): opening never throws and a
/// refusal has a defined error; accepted memory has sorted, disjoint, non-empty ranges that do not overflow, stored
/// ranges inside them; reads succeed or fail with a defined error, agree with each other, and fail outside the ranges;
/// a scan of small stored memory finds only what the codec accepts at the address it names.
/// </summary>
internal static class DumpInvariants
{
    private const int ReadLength = 16 * 1024;
    private const ulong ScanLimit = 1 << 20;

    /// <summary>A source over the guarded input, so a read past it is a crash.</summary>
    public static unsafe DumpSource Source(ReadOnlySpan<byte> input)
    {
        fixed (byte* pointer = input)
        {
            return new MemorySource(new PointerMemory(pointer, input.Length).Memory);
        }
    }

    public static void Check(bool ok, PhysicalMemory? memory, DumpProblem problem, string label)
    {
        Fuzz.Check.Equal(ok, memory is not null, label + " verdict against memory");
        if (!ok)
        {
            Fuzz.Check.That(Enum.IsDefined(problem.Error) && problem.Error != DumpError.None, $"{label}: refusal with error {(int)problem.Error}");
            Fuzz.Check.That(problem.FileOffset >= -1, $"{label}: negative file offset {problem.FileOffset}");
            return;
        }

        using (memory)
        {
            CheckRanges(memory!.Ranges, label + " ranges");
            CheckRanges(memory.StoredRanges, label + " stored ranges");
            foreach (PhysicalRange stored in memory.StoredRanges)
            {
                Fuzz.Check.That(memory.Covers(stored.Start, stored.Length), $"{label}: stored range 0x{stored.Start:x} lies outside the ranges");
            }

            CheckReads(memory, label);
            if (memory.StoredBytes <= ScanLimit)
            {
                CheckScan(memory, label);
            }
        }
    }

    private static void CheckRanges(IReadOnlyList<PhysicalRange> ranges, string label)
    {
        ulong previousEnd = 0;
        for (int i = 0; i < ranges.Count; i++)
        {
            PhysicalRange range = ranges[i];
            Fuzz.Check.That(range.Length != 0, $"{label}: range {i} is empty");
            Fuzz.Check.That(range.Length <= ulong.MaxValue - range.Start, $"{label}: range {i} overflows");
            Fuzz.Check.That(i == 0 || range.Start > previousEnd, $"{label}: range {i} is not after range {i - 1} with a gap");
            previousEnd = range.End;
        }
    }

    private static void CheckReads(PhysicalMemory memory, string label)
    {
        byte[] whole = ArrayPool<byte>.Shared.Rent(ReadLength);
        byte[] part = ArrayPool<byte>.Shared.Rent(ReadLength);
        try
        {
            for (int i = 0; i < Math.Min(memory.Ranges.Count, 8); i++)
            {
                PhysicalRange range = memory.Ranges[i];
                int length = (int)Math.Min(range.Length, ReadLength);
                Span<byte> all = whole.AsSpan(0, length);
                bool ok = memory.TryRead(range.Start, all, out DumpProblem problem);
                Fuzz.Check.That(ok || (Enum.IsDefined(problem.Error) && problem.Error is not (DumpError.None or DumpError.AddressNotInDump)), $"{label}: read of range {i} failed with {problem}");
                if (ok && length > 2)
                {
                    // The same bytes, read again from the middle.
                    int from = length / 3;
                    Span<byte> some = part.AsSpan(0, length - from);
                    Fuzz.Check.That(memory.TryRead(range.Start + (ulong)from, some, out problem), $"{label}: a read inside a readable read failed ({problem})");
                    Fuzz.Check.That(some.SequenceEqual(all[from..]), $"{label}: two reads of range {i} disagree");
                }

                if (range.End != 0)
                {
                    Fuzz.Check.That(!memory.TryRead(range.End, part.AsSpan(0, 1), out problem) && problem.Error == DumpError.AddressNotInDump, $"{label}: the byte after range {i} was read");
                }
            }

            Fuzz.Check.That(memory.Ranges.Count != 0 || !memory.TryRead(0, part.AsSpan(0, 1), out _), $"{label}: memory without ranges was read");
        }
        finally
        {
            whole.AsSpan().Clear();
            part.AsSpan().Clear();
            ArrayPool<byte>.Shared.Return(whole);
            ArrayPool<byte>.Shared.Return(part);
        }
    }

    private static void CheckScan(PhysicalMemory memory, string label)
    {
        DumpScanResult result = DumpScanner.Scan(memory, new DumpScanOptions { MaxDegreeOfParallelism = 1 });
        // Candidates are 4-byte aligned, so up to 3 bytes at the start of each stored range are not scanned.
        ulong scannable = 0;
        foreach (PhysicalRange range in memory.ScanRanges)
        {
            scannable += range.Length;
        }

        Fuzz.Check.That(
            result.BytesScanned <= scannable && scannable - result.BytesScanned <= 3 * (ulong)memory.ScanRanges.Count && scannable <= memory.StoredBytes,
            $"{label}: {result.BytesScanned} bytes scanned of {scannable} to scan, {memory.StoredBytes} stored");
        foreach (DumpFinding finding in result.Findings)
        {
            if (finding.InOverwrittenRecord)
            {
                // Stored bytes of a flattened file that are no part of its memory: known by file offset only.
                Fuzz.Check.That(finding.Address is null && finding.FileOffset is >= 0, $"{label}: a finding in an overwritten record has an address");
                continue;
            }

            ulong at = finding.Address ?? (ulong)finding.FileOffset!.Value;
            Fuzz.Check.That(memory.Covers(at, (ulong)finding.Length), $"{label}: finding at 0x{at:x} lies outside memory");
            byte[] bytes = new byte[finding.Length];
            Fuzz.Check.That(memory.TryRead(at, bytes, out _), $"{label}: finding at 0x{at:x} cannot be read back");
            var order = finding.ByteOrder == KeyBlobByteOrder.BigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian;
            if (finding.Kind == FindingKind.Blob)
            {
                // Strict, or (a freed copy) in kernel mode with exactly the padding problems the finding names.
                var strict = new KeyBlobReadOptions { ByteOrder = order };
                bool read = finding.Problems.Count == 0
                    ? KeyBlobReader.TryRead(bytes, strict, out KeyBlob blob, out _)
                    : KeyBlobReader.TryRead(bytes, strict with { Mode = KeyBlobMode.Kernel }, out blob, out _);
                Fuzz.Check.That(read, $"{label}: blob at 0x{at:x} does not read back");
                Fuzz.Check.Equal(finding.Count, blob.Count, label + " blob count");
                if (finding.Problems.Count > 0)
                {
                    var problems = new KeyBlobProblem[finding.Problems.Count + 1];
                    int count = KeyBlobReader.CollectProblems(bytes, strict, problems);
                    Fuzz.Check.That(problems.AsSpan(0, count).SequenceEqual(finding.Problems.ToArray()), $"{label}: blob at 0x{at:x} has other problems than reported");
                    Fuzz.Check.That(finding.Problems.All(static p => p.Error is KeyBlobError.DescriptionPaddingNotZero or KeyBlobError.KeyDataPaddingNotZero), $"{label}: a blob with a problem other than padding");
                }
            }

            Array.Clear(bytes);
        }
    }

    private sealed unsafe class PointerMemory(byte* pointer, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
