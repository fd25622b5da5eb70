using CrashDmCrypt.Codec;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CrashDmCrypt.Dumps;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;
using CrashDmCrypt.Dumps.Scrubbing;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Fuzz.Targets;

/// <summary>
/// The <c>dump-forms</c> target: the every-form search and the scrub check. The input is a header of
/// <see cref="HeaderLength"/> bytes, then a dump of any format. The header's SHA-512 gives a key (byte 0 picks its length:
/// 16, 24, 32, 48 or 64 bytes), random as a real one is; a raw image also gets the key's forms planted at offsets the header
/// picks (seeds of the other formats carry them). Invariants: nothing throws; every form found reads back to the bytes of
/// the form it names; and after <see cref="DumpScrubber"/> (with every key found and the header's key) the independent
/// <see cref="LeftoverCheck"/> of the copy finds nothing, nor, for a raw image, a plain search for each form's bytes.
/// </summary>
internal static class DumpFormsTarget
{
    public const int HeaderLength = 9;

    private static ReadOnlySpan<int> KeyLengths => [16, 24, 32, 48, 64];

    /// <summary>The key a header stands for (the seed builder uses it too).</summary>
    public static byte[] KeyFor(ReadOnlySpan<byte> header)
    {
        byte[] hash = SHA512.HashData(header[..HeaderLength]);
        return hash[..KeyLengths[header[0] % KeyLengths.Length]];
    }

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < HeaderLength)
        {
            return;
        }

        byte[] key = KeyFor(input);
        byte[] dump = input[HeaderLength..].ToArray();
        bool raw = DumpReader.DetectFormat(dump.AsSpan(0, Math.Min(dump.Length, DumpReader.SignatureLength))) == DumpFormat.Raw;
        if (raw)
        {
            Plant(dump, key, input[..HeaderLength]);
        }

        if (!DumpReader.TryOpen(new MemorySource(dump), default, out PhysicalMemory? memory, out _))
        {
            return;
        }

        using (memory)
        using (var keys = new KeySet())
        {
            keys.Add("fuzz:key"u8, key);
            var options = new DumpScanOptions { MaxDegreeOfParallelism = 1 };
            DumpScanResult found = DumpScanner.Scan(memory!, options);
            keys.AddFrom(memory!, found.Findings);
            DumpScanResult forms = DumpScanner.SearchForms(memory!, keys, found.Findings, options);
            foreach (DumpFinding form in forms.Findings)
            {
                CheckReadsBack(memory!, keys, form);
            }

            // The audit's one read of each window finds what the passes find one after the other, then the copies outside memory.
            using (var fusedKeys = new KeySet())
            {
                fusedKeys.Add("fuzz:key"u8, key);
                DumpScanResult fused = DumpScanner.ScanEveryForm(memory!, fusedKeys, options);
                DumpFinding[] passes = [.. found.Findings, .. forms.Findings];
                Check.That(
                    fused.Findings.Count >= passes.Length && fusedKeys.Count == keys.Count
                        && passes.Zip(fused.Findings).All(static pair => Same(pair.First, pair.Second)),
                    $"forms: the one-read audit found {fused.Findings.Count} (keys {fusedKeys.Count}), the passes {passes.Length} (keys {keys.Count}) before the copies outside memory");
            }

            using var output = new MemoryStream();
            if (!DumpScrubber.TryScrub(memory!, [.. found.Findings, .. forms.Findings], keys, output, out _))
            {
                return;
            }

            byte[] copy = output.ToArray();
            LeftoverCheck.TryCheck(
                new MemorySource(copy),
                () => DumpReader.TryOpen(new MemorySource(copy), default, out PhysicalMemory? m, out DumpProblem p) ? (m, p) : (null, p),
                true,
                keys,
                memory!.ByteOrder == KeyBlobByteOrder.BigEndian,
                out IReadOnlyList<Leftover> leftovers,
                16,
                out _);
            Check.That(leftovers.Count == 0, $"forms: after scrub, {leftovers.Count} cop(ies) left, first {(leftovers.Count > 0 ? leftovers[0].ToString() : "")}");

            // The check above searches with the scan's own multi-pattern search; a raw copy's bytes are its memory, so a plain
            // search for each pattern's bytes holds that search to what it must find.
            if (raw)
            {
                using FormPatterns patterns = FormPatterns.Create(keys, bigEndian: false);
                for (int p = 0; p < patterns.Count; p++)
                {
                    int at = copy.AsSpan().IndexOf(patterns.Bytes(p));
                    Check.That(at < 0, $"forms: after scrub, a copy of pattern {p} ({patterns[p].Part}, {patterns[p].Schedule}) is left at {at}, unseen by the search");
                }
            }

            CryptographicOperations.ZeroMemory(copy);
        }
    }

    private static bool Same(DumpFinding a, DumpFinding b) =>
        a.Kind == b.Kind && a.Position == b.Position && a.FileOffset == b.FileOffset && a.Length == b.Length && a.ByteOrder == b.ByteOrder
        && a.Part == b.Part && a.Schedule == b.Schedule && a.KeyIndex == b.KeyIndex && a.InOverwrittenRecord == b.InOverwrittenRecord;

    // The key whole at one offset, its second half at another, and its first AES part's encryption schedule at a third.
    private static void Plant(byte[] dump, byte[] key, ReadOnlySpan<byte> header)
    {
        int aes = key.Length > 32 ? key.Length / 2 : key.Length;
        uint[] encrypt = new uint[60];
        uint[] decrypt = new uint[60];
        AesKeyExpansion.Expand(key.AsSpan(0, aes), encrypt, decrypt);
        byte[] schedule = MemoryMarshal.AsBytes(encrypt.AsSpan(0, AesKeyExpansion.ScheduleWords(aes))).ToArray();
        byte[][] forms = [key, key[(key.Length / 2)..], schedule];
        for (int i = 0; i < forms.Length; i++)
        {
            if ((header[0] >> (3 + i) & 1) == 0 || dump.Length < forms[i].Length)
            {
                continue;
            }

            int at = ((header[1 + (2 * i)] << 8) | header[2 + (2 * i)]) % (dump.Length - forms[i].Length + 1);
            forms[i].CopyTo(dump.AsSpan(at));
        }
    }

    private static void CheckReadsBack(PhysicalMemory memory, KeySet keys, DumpFinding form)
    {
        byte[] bytes = new byte[form.Length];
        Check.That(memory.TryRead(form.Position, bytes, out _), $"forms: the copy at 0x{form.Position:x} does not read back");
        int length = keys.GetKeyLength(form.KeyIndex);
        byte[] key = new byte[length];
        keys.CopyKey(form.KeyIndex, key);
        ReadOnlySpan<byte> part = form.Part switch
        {
            KeyPart.FirstHalf => key.AsSpan(0, length / 2),
            KeyPart.SecondHalf => key.AsSpan(length / 2),
            _ => key,
        };
        byte[] expected = part.ToArray();
        if (form.Kind == FindingKind.AesSchedule)
        {
            uint[] encrypt = new uint[60];
            uint[] decrypt = new uint[60];
            AesKeyExpansion.Expand(part, encrypt, decrypt);
            uint[] words = form.Schedule == AesScheduleKind.Encryption ? encrypt : decrypt;
            expected = new byte[form.Length];
            for (int w = 0; w < form.Length / sizeof(uint); w++)
            {
                if (form.ByteOrder == KeyBlobByteOrder.BigEndian)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(expected.AsSpan(w * sizeof(uint)), words[w]);
                }
                else
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(expected.AsSpan(w * sizeof(uint)), words[w]);
                }
            }
        }

        Check.That(bytes.AsSpan().SequenceEqual(expected), $"forms: the {form.Kind} at 0x{form.Position:x} is not the form it names");
        CryptographicOperations.ZeroMemory(bytes);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(expected);
    }
}
