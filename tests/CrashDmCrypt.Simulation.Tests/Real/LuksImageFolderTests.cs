using System.Security.Cryptography;
using CrashDmCrypt.Simulation.Real;

namespace CrashDmCrypt.Simulation.Tests.Real;

/// <summary>Real LUKS2 images made and checked by the installed cryptsetup.</summary>
public sealed class LuksImageFolderTests : IDisposable
{
    private readonly LuksImageFolder? _folder;
    private readonly string _uuid = Guid.NewGuid().ToString();

    public LuksImageFolderTests()
    {
        if (CryptsetupAvailability.SkipReason is null)
        {
            LuksCheckResult created = LuksImageFolder.Create(out _folder);
            Assert.True(created.Succeeded, created.ToString());
        }
    }

    private LuksImageFolder Folder => _folder ?? throw new InvalidOperationException("no cryptsetup here");

    public void Dispose() => _folder?.Dispose();

    [CryptsetupFact]
    public void The_right_key_passes_and_a_wrong_or_one_bit_corrupted_key_fails()
    {
        Span<byte> key = stackalloc byte[64];
        Span<byte> other = stackalloc byte[64];
        try
        {
            RandomNumberGenerator.Fill(key);
            LuksImage image = Format(key);

            Assert.Equal(LuksCheckResult.Ok(), Folder.VerifyVolumeKey(image, key));

            RandomNumberGenerator.Fill(other);
            LuksCheckResult wrong = Folder.VerifyVolumeKey(image, other);
            Assert.Equal(LuksCheckStatus.KeyMismatch, wrong.Status);
            Assert.Equal(2, wrong.ExitCode);
            Assert.NotEmpty(wrong.ToolStandardError);
            Assert.Equal("CDC604", wrong.Code);

            foreach (int bit in new[] { 0, 7, 255, 511 })
            {
                key.CopyTo(other);
                other[bit / 8] ^= (byte)(1 << (bit % 8));
                Assert.Equal(LuksCheckStatus.KeyMismatch, Folder.VerifyVolumeKey(image, other).Status);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(other);
        }
    }

    [CryptsetupFact]
    public void The_header_carries_the_uuid_and_no_key_or_passphrase_file_is_left_in_the_folder()
    {
        Span<byte> key = stackalloc byte[32];
        RandomNumberGenerator.Fill(key);
        LuksImage image = Format(key);
        CryptographicOperations.ZeroMemory(key);

        Assert.Equal(32, image.KeySize);
        Assert.Equal([_uuid + ".img"], Directory.GetFileSystemEntries(Folder.Path).Select(Path.GetFileName));

        // LUKS2 binary header (luks2_hdr_disk): magic "LUKS\xba\xbe", version 2, UUID at offset 168.
        byte[] header = new byte[208];
        using (FileStream file = File.OpenRead(image.Path))
        {
            file.ReadExactly(header);
        }

        Assert.Equal(new byte[] { 0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 2 }, header[..8]);
        Assert.Equal(_uuid, System.Text.Encoding.ASCII.GetString(header, 168, 36));
    }

    [CryptsetupFact]
    public void Each_supported_key_size_formats_and_verifies()
    {
        foreach (int size in new[] { 16, 24, 32, 64 })
        {
            byte[] key = RandomNumberGenerator.GetBytes(size);
            try
            {
                LuksCheckResult created = Folder.CreateImage(Guid.NewGuid().ToString(), key, out LuksImage? image);
                Assert.True(created.Succeeded, $"{size}: {created}");
                Assert.True(Folder.VerifyVolumeKey(image!, key).Succeeded, size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    [CryptsetupFact]
    public void A_key_of_another_length_is_refused_without_asking_cryptsetup()
    {
        Span<byte> key = stackalloc byte[64];
        RandomNumberGenerator.Fill(key);
        LuksImage image = Format(key);

        LuksCheckResult shorter = Folder.VerifyVolumeKey(image, key[..63]);

        CryptographicOperations.ZeroMemory(key);
        Assert.Equal(LuksCheckStatus.KeySizeMismatch, shorter.Status);
        Assert.Equal(-1, shorter.ExitCode);
    }

    [CryptsetupFact]
    public void An_unsupported_key_size_makes_no_image()
    {
        LuksCheckResult result = Folder.CreateImage(_uuid, new byte[48], out LuksImage? image);

        Assert.Equal(LuksCheckStatus.UnsupportedKeySize, result.Status);
        Assert.Null(image);
        Assert.Empty(Directory.GetFileSystemEntries(Folder.Path));
    }

    [CryptsetupFact]
    public void A_failed_format_leaves_no_file_and_dispose_removes_the_folder()
    {
        LuksCheckResult created = LuksImageFolder.Create(out LuksImageFolder? folder);
        Assert.True(created.Succeeded);
        string path = folder!.Path;
        byte[] key = RandomNumberGenerator.GetBytes(64);
        try
        {
            Assert.True(folder.CreateImage(_uuid, key, out _).Succeeded);

            // The same UUID again: the image file exists, so nothing is formatted and nothing is removed.
            LuksCheckResult again = folder.CreateImage(_uuid, key, out LuksImage? none);
            Assert.Equal(LuksCheckStatus.IoError, again.Status);
            Assert.Null(none);
            Assert.Single(Directory.GetFileSystemEntries(path));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            folder.Dispose();
        }

        Assert.False(Directory.Exists(path));
        Assert.Throws<ObjectDisposedException>(() => folder.VerifyVolumeKey(new LuksImage(Path.Combine(path, "x.img"), _uuid, 64), new byte[64]));
    }

    [CryptsetupFact]
    public void A_tool_that_fails_is_reported_with_its_exit_code_and_its_own_stderr_line()
    {
        // cryptsetup refuses a file that is not LUKS: exit 1, "Device ... is not a valid LUKS device."
        string notLuks = Path.Combine(Folder.Path, "plain.img");
        File.WriteAllBytes(notLuks, new byte[4096]);

        LuksCheckResult result = Folder.VerifyVolumeKey(new LuksImage(notLuks, _uuid, 64), new byte[64]);

        Assert.Equal(LuksCheckStatus.ToolFailed, result.Status);
        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEmpty(result.ToolStandardError);
        Assert.Equal("CDC605", result.Code);
    }

    [Fact]
    public void A_missing_tool_is_a_status()
    {
        LuksCheckResult result = LuksImageFolder.Create(out LuksImageFolder? folder, "/nonexistent/cryptsetup");

        Assert.Equal(LuksCheckStatus.ToolMissing, result.Status);
        Assert.Equal("CDC601", result.Code);
        Assert.Null(folder);
    }

    private LuksImage Format(ReadOnlySpan<byte> key)
    {
        LuksCheckResult created = Folder.CreateImage(_uuid, key, out LuksImage? image);
        Assert.True(created.Succeeded, created.ToString());
        Assert.True(File.Exists(image!.Path));
        return image;
    }
}
