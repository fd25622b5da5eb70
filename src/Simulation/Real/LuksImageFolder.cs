using System.Globalization;
using System.Security.Cryptography;
using CrashDmCrypt.Kernel;

namespace CrashDmCrypt.Simulation.Real;

/// <summary>
/// A temporary folder of real LUKS2 image files, made and checked by the installed <c>cryptsetup</c>, no
/// device-mapper or root needed. <see cref="CreateImage"/> formats an image with a chosen volume key;
/// <see cref="VerifyVolumeKey"/> asks cryptsetup whether a key is that image's volume key, by its own check
/// against the header's digest (<c>cryptsetup open --test-passphrase --volume-key-file</c>, which activates
/// nothing). Keys travel through pipes only (see <see cref="CryptsetupTool"/>). <see cref="Dispose"/> removes
/// the folder and every image in it.
/// </summary>
public sealed class LuksImageFolder : IDisposable
{
    // Small metadata and keyslot areas keep an image at 1 MiB of header; the file is sparse beyond it.
    private const string MetadataSize = "16k";
    private const string KeyslotsSize = "512k";
    private const long ImageBytes = 2 * 1024 * 1024;

    // The fastest PBKDF cryptsetup allows: the keyslot is never opened by passphrase.
    private const string PbkdfIterations = "1000";
    private const int PassphraseBytes = 32;

    private bool _disposed;

    private LuksImageFolder(string path, string tool)
    {
        Path = path;
        ToolPath = tool;
    }

    /// <summary>The temporary folder.</summary>
    public string Path { get; }

    /// <summary>The cryptsetup program used.</summary>
    public string ToolPath { get; }

    /// <summary>Makes an empty temporary folder (mode 0700) and finds cryptsetup.</summary>
    /// <param name="folder">The folder, or <see langword="null"/> on failure.</param>
    /// <param name="toolPath">A cryptsetup program to use instead of <see cref="CryptsetupTool.Find"/>'s.</param>
    /// <param name="parent">The folder to make it in, instead of the system's temporary folder.</param>
    /// <returns><see cref="LuksCheckStatus.Ok"/>, <see cref="LuksCheckStatus.ToolMissing"/> or <see cref="LuksCheckStatus.IoError"/>.</returns>
    public static LuksCheckResult Create(out LuksImageFolder? folder, string? toolPath = null, string? parent = null)
    {
        folder = null;
        string? tool = toolPath ?? CryptsetupTool.Find();
        if (tool is null || !File.Exists(tool))
        {
            return LuksCheckResult.Fail(LuksCheckStatus.ToolMissing);
        }

        try
        {
            string path = parent is null
                ? Directory.CreateTempSubdirectory(FolderPrefix).FullName
                : CreateIn(parent);
            folder = new LuksImageFolder(path, tool);
            return LuksCheckResult.Ok();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.IoError) with { Errno = LinuxErrors.FromException(e) };
        }
    }

    /// <summary>How the temporary folder's name starts.</summary>
    public const string FolderPrefix = "crashdmcrypt-luks-";

    /// <summary>The cipher cryptsetup formats a volume key of <paramref name="keySize"/> bytes with, or null when none fits.</summary>
    public static string? CipherFor(int keySize) => keySize switch
    {
        32 or 64 => "aes-xts-plain64",
        16 or 24 => "aes-cbc-essiv:sha256",
        _ => null,
    };

    /// <summary>
    /// <c>cryptsetup luksFormat --type luks2 --volume-key-file /dev/stdin</c>: a new image whose volume key is
    /// <paramref name="volumeKey"/>, with fast PBKDF2 and a random keyslot passphrase that is never kept. A
    /// failed format leaves no file behind.
    /// </summary>
    /// <param name="uuid">The LUKS UUID to write into the header.</param>
    /// <param name="volumeKey">The volume key: 16, 24, 32 or 64 bytes (see <see cref="CipherFor"/>).</param>
    /// <param name="image">The image, or <see langword="null"/> on failure.</param>
    /// <exception cref="ArgumentException"><paramref name="uuid"/> is not a UUID.</exception>
    /// <exception cref="ObjectDisposedException">The folder was disposed.</exception>
    public LuksCheckResult CreateImage(string uuid, ReadOnlySpan<byte> volumeKey, out LuksImage? image)
    {
        ArgumentNullException.ThrowIfNull(uuid);
        if (!Guid.TryParseExact(uuid, "D", out _))
        {
            throw new ArgumentException("not a UUID (8-4-4-4-12 hex digits)", nameof(uuid));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        image = null;
        string? cipher = CipherFor(volumeKey.Length);
        if (cipher is null)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.UnsupportedKeySize) with { KeySize = volumeKey.Length };
        }

        string path = System.IO.Path.Combine(Path, uuid + ".img");
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.SetLength(ImageBytes);
            }
        }
        catch (IOException e)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.IoError) with { Errno = LinuxErrors.FromException(e) };
        }

        Span<byte> passphrase = stackalloc byte[PassphraseBytes];
        LuksCheckResult formatted;
        try
        {
            CryptsetupTool.FillThrowawayPassphrase(passphrase);
            formatted = CryptsetupTool.Run(
                ToolPath,
                [
                    "luksFormat", "--type", "luks2", "--batch-mode",
                    "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", PbkdfIterations,
                    "--cipher", cipher, "--key-size", (volumeKey.Length * 8).ToString(CultureInfo.InvariantCulture),
                    "--volume-key-file", "/dev/stdin",
                    "--key-file", CryptsetupTool.PassphraseFd, "--keyfile-size", PassphraseBytes.ToString(CultureInfo.InvariantCulture),
                    "--luks2-metadata-size", MetadataSize, "--luks2-keyslots-size", KeyslotsSize,
                    "--uuid", uuid, "--disable-locks", path,
                ],
                volumeKey,
                passphrase);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passphrase);
        }

        if (!formatted.Succeeded)
        {
            TryDelete(path);
            return formatted;
        }

        image = new LuksImage(path, uuid, volumeKey.Length);
        return formatted;
    }

    /// <summary>
    /// Whether <paramref name="candidate"/> is <paramref name="image"/>'s volume key, by cryptsetup's own check
    /// on the header: <see cref="LuksCheckStatus.Ok"/> when it is, <see cref="LuksCheckStatus.KeyMismatch"/> when
    /// cryptsetup refuses it, <see cref="LuksCheckStatus.KeySizeMismatch"/> when its length differs.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="image"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The folder was disposed.</exception>
    public LuksCheckResult VerifyVolumeKey(LuksImage image, ReadOnlySpan<byte> candidate)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (candidate.Length != image.KeySize)
        {
            return LuksCheckResult.Fail(LuksCheckStatus.KeySizeMismatch) with { KeySize = candidate.Length, VolumeKeySize = image.KeySize };
        }

        // crypt_activate_by_volume_key with no device name only checks the key against the LUKS2 digest.
        LuksCheckResult checkedKey = CryptsetupTool.Run(
            ToolPath,
            ["open", "--test-passphrase", "--volume-key-file", "/dev/stdin", "--disable-locks", "--disable-keyring", image.Path],
            candidate,
            []);

        // Exit 2 is cryptsetup's "no permission (bad passphrase)": here, a key that does not match the digest.
        return checkedKey.Status == LuksCheckStatus.ToolFailed && checkedKey.ExitCode == 2
            ? checkedKey with { Status = LuksCheckStatus.KeyMismatch }
            : checkedKey;
    }

    /// <summary>Removes the folder and every image in it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Already gone, or not removable by this user: nothing else to try.
        }
    }

    // A new folder with a random name in parent, mode 0700 as CreateTempSubdirectory makes it.
    private static string CreateIn(string parent)
    {
        string path = System.IO.Path.Combine(parent, FolderPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The folder goes at Dispose anyway.
        }
    }
}
