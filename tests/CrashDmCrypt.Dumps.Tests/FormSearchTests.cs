using System.Runtime.InteropServices;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Forms;
using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The every-form search: AES schedules as the kernel computes them, and every copy of a known key found once.</summary>
public class FormSearchTests
{
    // FIPS-197 Appendix A.1-A.3 keys; the expected memory bytes of both schedules come from OpenSSL's AES_set_encrypt_key and
    // AES_set_decrypt_key (its x86-64 code keeps the kernel's layout: words whose bytes are FIPS-197's, and the Equivalent
    // Inverse Cipher's round keys for decryption). A.1's w[4] = a0fafe17, A.2's w[6] = fe0c91f7, A.3's w[8] = 9ba35411.
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "2b7e151628aed2a6abf7158809cf4f3ca0fafe1788542cb123a339392a6c7605f2c295f27a96b9435935807a7359f67f3d80477d4716fe3e1e237e446d7a883bef44a541a8525b7fb671253bdb0bad00d4d1c6f87c839d87caf2b8bc11f915bc6d88a37a110b3efddbf98641ca0093fd4e54f70e5f5fc9f384a64fb24ea6dc4fead27321b58dbad2312bf5607f8d292fac7766f319fadc2128d12941575c006ed014f9a8c9ee2589e13f0cc8b6630ca6", "d014f9a8c9ee2589e13f0cc8b6630ca60c7b5a631319eafeb0398890664cfbb4df7d925a1f62b09da320626ed675732412c07647c01f22c7bc42d2f37555114a6efcd876d2df54807c5df034c917c3b96ea30afcbc238cf6ae82a4b4b54a338d90884413d280860a12a128421bc897397c1f13f74208c219c021ae480969bf7bcc7505eb3e17d1ee82296c51c94811332b3708a7f262d405bc3ebdbf4b617d622b7e151628aed2a6abf7158809cf4f3c")]
    [InlineData("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7bfe0c91f72402f5a5ec12068e6c827f6b0e7a95b95c56fec24db7b4bd69b5411885a74796e92538fde75fad44bb095386485af05721efb14fa448f6d94d6dce24aa326360113b30e6a25e7ed583b1cf9a27f939436a94f767c0a69407d19da4e1ec1786eb6fa64971485f703222cb8755e26d135233f0b7b340beeb282f18a2596747d26b458c553ea7e1466c9411f1df821f750aad07d753ca4005388fcc5006282d166abc3ce7b5e98ba06f448c773c8ecc720401002202", "e98ba06f448c773c8ecc720401002202ac491644e55710b746c08a75c89b2cada3979ac28e5ba6d8e12cc9e654b272baf3b42258b59ebb5cf8fb64fe491e06f34d65dfa2b1e5620dea899c312dcc3c1a5b6cfe3cc745a02bf8b9a572462a9904c5ddb7f8be933c760b4f46a6fc80bdafb5dc7ad0f7cffb09a7ec43939c295e175023b89a3bc51d84d04b19377b4e8b8e41b34544ab0592b9ce92f15e421381d9659763e78c817087123039436be6a51e9eb149c479d69c5dfeb4a27ceab6d7fd8e73b0f7da0e6452c810f32b809079e5")]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff49ba354118e6925afa51a8b5f2067fcdea8b09c1a93d194cdbe49846eb75d5b9ad59aecb85bf3c917fee94248de8ebe96b5a9328a2678a647983122292f6c79b3812c81addadf48ba24360af2fab8b46498c5bfc9bebd198e268c3ba709e0421468007bacb2df331696e939e46c518d80c814e20476a9fb8a5025c02d59c58239de1369676ccc5a71fa2563959674ee155886ca5d2e2f31d77e0af1fa27cf73c3749c47ab18501ddae2757e4f7401905acafaaae3e4d59b349adf6acebd10190dfe4890d1e6188d0b046df344706c631e", "fe4890d1e6188d0b046df344706c631eada23f4963e23b2455427c8a5c70910457c96cf6074f07c0706abb07137f9241b668b621ce40046d36a047ae0932ed8e34ad1e4450866b367725bcc76315294632526c367828b24cf8e043c33f92aa20c440b289642b757227a3d7f114309581d669a7334a7ade7a80c8f18fc772e9e325ba3c22a06bc7fb4388a2833393427054fb808b9c137949cab22ff547ba186c6c3d632985d1fbd9e3e36578701be0f34a7459f9c8e8f9c256a156bc8d08379942107758e9ec98f066329ea193f8858b8ec6bff6829ca03b9e49af7edba96125603deb1015ca71be2b73aef0857d7781")]
    public void Key_expansion_matches_fips_197_and_the_equivalent_inverse_cipher(string key, string encrypt, string decrypt)
    {
        byte[] bytes = Convert.FromHexString(key);
        uint[] enc = new uint[60];
        uint[] dec = new uint[60];
        AesKeyExpansion.Expand(bytes, enc, dec);
        int words = AesKeyExpansion.ScheduleWords(bytes.Length);
        Assert.Equal(encrypt, Convert.ToHexString(MemoryMarshal.AsBytes(enc.AsSpan(0, words))).ToLowerInvariant());
        Assert.Equal(decrypt, Convert.ToHexString(MemoryMarshal.AsBytes(dec.AsSpan(0, words))).ToLowerInvariant());
    }

    private static byte[] Schedule(byte[] key, bool decrypt)
    {
        uint[] enc = new uint[60];
        uint[] dec = new uint[60];
        AesKeyExpansion.Expand(key, enc, dec);
        return MemoryMarshal.AsBytes((decrypt ? dec : enc).AsSpan(0, AesKeyExpansion.ScheduleWords(key.Length))).ToArray();
    }

    [Fact]
    public void Every_form_of_a_blob_key_is_found_once_at_any_alignment()
    {
        // A 64-byte AES-XTS key in a blob; elsewhere its raw bytes, its halves, and both halves' schedules, at odd offsets.
        byte[] blob = AuditDefectTests.Blob(1, keySize: 64, seed: 21);
        byte[] key = AuditDefectTests.KeyOf(blob, 0);
        byte[] image = TestData.Pattern(5 << 20, 5);
        blob.CopyTo(image, 0x1000);
        key.CopyTo(image, 0x3003);
        key.AsSpan(32).CopyTo(image.AsSpan(0x5001));
        Schedule(key[..32], decrypt: false).CopyTo(image, 0x7002);
        Schedule(key[32..], decrypt: true).CopyTo(image, 0x9005);
        Schedule(key[32..], decrypt: false).CopyTo(image, (4 << 20) - 101);     // across the first window boundary
        Schedule(key[..32], decrypt: true).CopyTo(image, 0xFFF00 - 3);

        using PhysicalMemory memory = TestData.Open(image, new DumpOpenOptions { RawBase = 0x4000_0000 });
        DumpScanResult found = DumpScanner.Scan(memory);
        using var keys = new KeySet();
        Assert.Equal(0, keys.AddFrom(memory, found.Findings));
        Assert.Equal(1, keys.Count);
        DumpScanResult forms = DumpScanner.SearchForms(memory, keys, found.Findings);
        Assert.Equal(
            [
                (FindingKind.RawKey, 0x3003L, KeyPart.Whole, AesScheduleKind.None),
                (FindingKind.RawKey, 0x5001L, KeyPart.SecondHalf, AesScheduleKind.None),
                (FindingKind.AesSchedule, 0x7002L, KeyPart.FirstHalf, AesScheduleKind.Encryption),
                (FindingKind.AesSchedule, 0x9005L, KeyPart.SecondHalf, AesScheduleKind.Decryption),
                (FindingKind.AesSchedule, 0xFFF00L - 3, KeyPart.FirstHalf, AesScheduleKind.Decryption),
                (FindingKind.AesSchedule, (4L << 20) - 101, KeyPart.SecondHalf, AesScheduleKind.Encryption),
            ],
            forms.Findings.Select(f => (f.Kind, f.FileOffset!.Value, f.Part, f.Schedule)).ToList());
        Assert.All(forms.Findings, f => Assert.Equal("cryptsetup:key-21-0", System.Text.Encoding.ASCII.GetString(f.Keys[0].Description.Span)));
        Assert.Equal(0x4000_0000UL + 0x3003, forms.Findings[0].Address);
    }

    [Fact]
    public void Forms_in_a_compressed_kdump_and_a_key_file_key_without_any_blob()
    {
        byte[] key = TestData.Pattern(32, 77);
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib };
        byte[] page = KdumpTests.Compressible(2);
        Schedule(key, decrypt: false).CopyTo(page, 1001);
        builder.Pages[2] = page;
        byte[] crossing = KdumpTests.Compressible(3);
        byte[] next = KdumpTests.Compressible(4);
        key.AsSpan(0, 10).CopyTo(crossing.AsSpan(4096 - 10));
        key.AsSpan(10).CopyTo(next);
        builder.Pages[3] = crossing;
        builder.Pages[4] = next;
        using PhysicalMemory memory = TestData.Open(builder.Build());
        using var keys = new KeySet();
        keys.Add("key-file:vk.bin"u8, key);
        DumpScanResult forms = DumpScanner.SearchForms(memory, keys);
        Assert.Equal(
            [(FindingKind.AesSchedule, 0x2000UL + 1001, 240), (FindingKind.RawKey, 0x4000UL - 10, 32)],
            forms.Findings.Select(f => (f.Kind, f.Address!.Value, f.Length)).ToList());
    }

    [Theory]
    [InlineData(DumpCompression.None)]
    [InlineData(DumpCompression.Zlib)]
    [InlineData(DumpCompression.Zstd)]
    public void Scrub_zeroes_every_form_and_the_independent_check_finds_nothing_left(DumpCompression method)
    {
        byte[] blob = AuditDefectTests.Blob(1, keySize: 64, seed: 31);
        byte[] key = AuditDefectTests.KeyOf(blob, 0);
        byte[] named = TestData.Pattern(32, 32);        // a --key-file key with no blob anywhere
        var builder = new KdumpBuilder { Method = method };
        byte[] page = KdumpTests.Compressible(1);
        blob.CopyTo(page, 8);
        builder.Pages[1] = page;
        page = KdumpTests.Compressible(2);
        key.CopyTo(page, 1001);
        Schedule(key[32..], decrypt: true).CopyTo(page, 2003);
        builder.Pages[2] = page;
        page = KdumpTests.Compressible(3);
        Schedule(named, decrypt: false).CopyTo(page, 3000);
        named.AsSpan(0, 16).CopyTo(page.AsSpan(4096 - 16));        // a half ending the page
        builder.Pages[3] = page;
        using var dir = new TempFolder();
        string input = dir.Write("vmcore", builder.Build());
        string keyFile = dir.Write("vk.bin", named);
        string output = Path.Combine(dir.Path, "clean");

        var scan = CliTests.RunCli("scan", input, "--key-file", keyFile, "--json");
        Assert.Equal(1, scan.Exit);
        using (var document = System.Text.Json.JsonDocument.Parse(scan.Out))
        {
            Assert.Equal(
                ["blob", "raw-key", "aes-schedule", "aes-schedule", "raw-key"],
                document.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("kind").GetString()));
        }

        Assert.DoesNotContain(Convert.ToHexString(key.AsSpan(0, 8)), scan.Out, StringComparison.OrdinalIgnoreCase);
        var scrub = CliTests.RunCli("scrub", input, "-o", output, "--key-file", keyFile);
        Assert.True(scrub.Exit == 0, scrub.ToString());
        Assert.Contains("5 finding(s) into", scrub.Out, StringComparison.Ordinal);
        Assert.Contains("; 0 left", scrub.Out, StringComparison.Ordinal);

        // Checked outside the tool's check: the file's bytes, and every page through the reader.
        byte[] file = File.ReadAllBytes(output);
        using PhysicalMemory memory = TestData.Open(file);
        byte[] pages = [.. memory.Ranges.SelectMany(r => TestData.Read(memory, r.Start, (int)r.Length))];
        foreach (byte[] secret in new[] { key[..16], key[32..48], Schedule(key[32..], true)[16..48], named[..16], Schedule(named, false)[64..96] })
        {
            Assert.True(file.AsSpan().IndexOf(secret) < 0);
            Assert.True(pages.AsSpan().IndexOf(secret) < 0);
        }
    }

    [Fact]
    public void The_independent_check_names_what_is_left_in_the_bytes_and_in_compressed_pages()
    {
        byte[] key = TestData.Pattern(32, 41);
        var builder = new KdumpBuilder { Method = DumpCompression.Zlib };
        byte[] page = KdumpTests.Compressible(5);
        Schedule(key[16..], decrypt: false).CopyTo(page, 100);
        builder.Pages[5] = page;
        byte[] file = builder.Build();
        byte[] withRaw = [.. file, .. key];
        using var dir = new TempFolder();
        string path = dir.Write("left", withRaw);
        using var keys = new KeySet();
        keys.Add("key-file:k"u8, key);
        Assert.True(Scrubbing.LeftoverCheck.TryCheck(path, keys, false, out var leftovers, 100, out DumpProblem problem), problem.ToString());
        // Every form is named, the ones inside another too: the key and its halves in the bytes; in page 5, the schedule and
        // the half its first words are.
        Assert.Equal(
            [
                new Scrubbing.Leftover(FindingKind.RawKey, 0, KeyPart.Whole, AesScheduleKind.None, file.Length, -1, -1, 32),
                new Scrubbing.Leftover(FindingKind.RawKey, 0, KeyPart.FirstHalf, AesScheduleKind.None, file.Length, -1, -1, 16),
                new Scrubbing.Leftover(FindingKind.RawKey, 0, KeyPart.SecondHalf, AesScheduleKind.None, file.Length + 16, -1, -1, 16),
                new Scrubbing.Leftover(FindingKind.RawKey, 0, KeyPart.SecondHalf, AesScheduleKind.None, -1, 5, 100, 16),
                new Scrubbing.Leftover(FindingKind.AesSchedule, 0, KeyPart.SecondHalf, AesScheduleKind.Encryption, -1, 5, 100, 176),
            ],
            leftovers);
    }

    [Fact]
    public void Scan_reports_a_known_key_in_file_bytes_outside_memory_and_scrub_zeroes_it()
    {
        // A blob in the one PT_LOAD; its key again in the VMCOREINFO note and after the last segment: file bytes no
        // segment maps.
        byte[] blob = AuditDefectTests.Blob(1, keySize: 32, seed: 51);
        byte[] key = AuditDefectTests.KeyOf(blob, 0);
        byte[] page = new byte[4096];
        blob.CopyTo(page, 64);
        byte[] elf = new ElfBuilder { VmcoreInfo = "OSRELEASE=6.12.0\n" }.Load(0x1000, page).Build();
        byte[] file = [.. elf, .. key];
        using var dir = new TempFolder();
        string input = dir.Write("vmcore", file);

        var scan = CliTests.RunCli("scan", input, "--json");
        Assert.Equal(1, scan.Exit);
        using (var document = System.Text.Json.JsonDocument.Parse(scan.Out))
        {
            JsonElementAssert(document.RootElement.GetProperty("findings"), elf.Length);
        }

        string output = Path.Combine(dir.Path, "clean");
        var scrub = CliTests.RunCli("scrub", input, "-o", output);
        Assert.True(scrub.Exit == 0, scrub.ToString());
        Assert.True(File.ReadAllBytes(output).AsSpan().IndexOf(key.AsSpan(0, 16)) < 0);

        static void JsonElementAssert(System.Text.Json.JsonElement findings, long at)
        {
            var list = findings.EnumerateArray().ToList();
            Assert.Equal("blob", list[0].GetProperty("kind").GetString());
            System.Text.Json.JsonElement outside = Assert.Single(list, f => f.TryGetProperty("outsideMemory", out _));
            Assert.Equal("raw-key", outside.GetProperty("kind").GetString());
            Assert.Equal(at, outside.GetProperty("fileOffset").GetInt64());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, outside.GetProperty("address").ValueKind);
        }
    }
}
