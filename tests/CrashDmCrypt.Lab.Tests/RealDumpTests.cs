using Xunit.Abstractions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 5: a real dm-crypt volume keyed from the logon key. The dump must hold the forms of the volume key
/// that DUMP-FORMATS.md records for 7.2 (checked here by a search outside the project: raw bytes, and the AES
/// encryption and decryption schedules of each half computed from FIPS-197), so that this dump can be the
/// audit's acceptance input.
/// </summary>
[Collection(RealDumpGroup.Name)]
public sealed class RealDumpTests(RealDumpRun run, ITestOutputHelper output)
{
    [LabFact]
    public void The_real_dump_holds_the_raw_volume_key_and_both_halves_schedules()
    {
        var dump = new ElfDumpFile(run.Dump);
        byte[] key = RealDumpRun.VolumeKey;
        List<ulong> raw = dump.FindPhysical(key);
        output.WriteLine($"raw 64-byte key at {string.Join(", ", raw.Select(a => $"0x{a:x}"))}");
        // The logon payload, the page cache page of /lab/vk, the heap keys_header and the kexec segment
        // (DUMP-FORMATS.md), and the copies a second load leaves.
        Assert.True(raw.Count >= 4, $"expected at least 4 raw copies, found {raw.Count}");
        foreach ((string half, byte[] part) in new[] { ("data", key[..32]), ("tweak", key[32..]) })
        {
            List<ulong> enc = dump.FindPhysical(FipsAes.EncryptionSchedule(part));
            List<ulong> dec = dump.FindPhysical(FipsAes.DecryptionSchedule(part));
            output.WriteLine($"{half} half: encryption schedule at {string.Join(", ", enc.Select(a => $"0x{a:x}"))}; decryption at {string.Join(", ", dec.Select(a => $"0x{a:x}"))}");
            Assert.NotEmpty(enc);
            Assert.NotEmpty(dec);
        }
    }
}
