using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Kernel.Tests.Configfs;

public sealed class LinuxErrorsTests
{
    public static TheoryData<Exception, LinuxErrno> Exceptions => new()
    {
        { new IOException("x", 22), LinuxErrno.EINVAL },
        { new IOException("x", 12), LinuxErrno.ENOMEM },
        { new IOException("x", 17), LinuxErrno.EEXIST },
        { new IOException("x", 28), LinuxErrno.ENOSPC },
        { new IOException("x", 126), LinuxErrno.ENOKEY },
        { new FileNotFoundException("x"), LinuxErrno.ENOENT },
        { new DirectoryNotFoundException("x"), LinuxErrno.ENOENT },
        { new UnauthorizedAccessException("x"), LinuxErrno.EACCES },
        { new PathTooLongException("x"), LinuxErrno.ENAMETOOLONG },
        { new IOException("a Windows HRESULT", unchecked((int)0x80070020)), LinuxErrno.EIO },
        { new IOException("no code"), LinuxErrno.EIO },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void The_errno_comes_from_the_exception_type_or_its_HResult(Exception exception, LinuxErrno expected) =>
        Assert.Equal(expected, LinuxErrors.FromException(exception));

    [Fact]
    public void A_real_failed_write_carries_its_errno()
    {
        // /dev/full fails every write with ENOSPC: a real syscall error through .NET's mapping.
        using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        IOException e = Assert.ThrowsAny<IOException>(() => stream.Write([1]));
        Assert.Equal(LinuxErrno.ENOSPC, LinuxErrors.FromException(e));
    }
}
