// Uses the packages as an outside tool would: build a blob, read it back, find dmcryptkeys= on a command line.
// Exit 0 only if everything agrees.
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel.Handoff;

byte[] description = "cryptsetup:7d26b7b4-e342-4d2d-b660-7426b0996720"u8.ToArray();
byte[] key = [.. Enumerable.Range(1, 64).Select(i => (byte)i)];
KeyBlobKey[] keys = [new(description, key)];

var blob = new byte[KeyBlobWriter.GetRequiredSize(keys.Length)];
var failures = new List<string>();
if (KeyBlobWriter.Write(keys, blob, out int written, out KeyBlobProblem writeProblem) != System.Buffers.OperationStatus.Done || written != blob.Length)
{
    failures.Add($"write: {writeProblem}");
}

if (!KeyBlobReader.TryRead(blob, out KeyBlob view, out var problem))
{
    failures.Add($"read back: {problem}");
}
else
{
    int count = 0;
    foreach (KeyBlobEntry entry in view)
    {
        count++;
        if (!entry.Description.SequenceEqual(description) || !entry.Key.SequenceEqual(key))
        {
            failures.Add($"entry {entry.Index} differs from what was written");
        }
    }

    if (count != keys.Length)
    {
        failures.Add($"read {count} entries, wrote {keys.Length}");
    }
}

if (!KernelCommandLine.TryGetDmCryptKeysAddress("elfcorehdr=0x2000 dmcryptkeys=0x1000 quiet"u8, out ulong address, out CommandLineProblem cmdlineProblem))
{
    failures.Add($"cmdline: {cmdlineProblem}");
}
else if (address != 0x1000)
{
    failures.Add($"cmdline: address 0x{address:x}, expected 0x1000");
}

foreach (string failure in failures)
{
    Console.Error.WriteLine("package consumer: " + failure);
}

Console.WriteLine(failures.Count == 0
    ? $"package consumer: {blob.Length}-byte blob written and read back, dmcryptkeys=0x{address:x}: ok"
    : $"package consumer: {failures.Count} failure(s)");
return failures.Count == 0 ? 0 : 1;
