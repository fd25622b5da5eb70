using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

public class AllocationTests
{
    [Fact]
    public void Parsing_the_command_line_and_the_device_tree_allocates_nothing()
    {
        const string line = "BOOT_IMAGE=/vmlinuz \"quoted=a b\" elfcorehdr=0x7f000000 dmcryptkeys=0x7e001000 dmcryptkeys=\"16M\" ro -- init";
        byte[] lineBytes = System.Text.Encoding.ASCII.GetBytes(line);
        byte[] dtb = DeviceTree.BuildDtb(0x7e001000, 392, bootArgs: line);
        byte[] hostile = DeviceTree.BuildDtb(0x7e001000, 392);
        hostile[^1] = (byte)'x';

        Span<byte> value = stackalloc byte[16];

        // First calls compile the code; only the second round is measured.
        for (int round = 0; round < 2; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool lineOk = KernelCommandLine.TryGetDmCryptKeysAddress(lineBytes, CommandLineMode.Kernel, out ulong address, out _);
            bool numberOk = KernelCommandLine.TryParseMemparse("0x3fffffffffffffK"u8, out _, out _);
            bool dtbOk = DeviceTree.TryReadDmCryptKeys(dtb, out DmCryptKeysRange range, out _);
            bool hostileOk = DeviceTree.TryReadDmCryptKeys(hostile, DeviceTreeMode.Kernel, out _, out DeviceTreeProblem hostileProblem);
            System.Buffers.OperationStatus written = DeviceTree.WriteDmCryptKeysProperty(value, 0x7e001000, 392, 2, 2, out _, out _);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(lineOk && numberOk && dtbOk && !hostileOk && written == System.Buffers.OperationStatus.Done);
            Assert.Equal(16UL << 20, address);
            Assert.Equal(new DmCryptKeysRange { Address = 0x7e001000, Size = 392 }, range);
            Assert.Equal(DeviceTreeError.PropertyNameUnterminated, hostileProblem.Error);
            if (round == 1)
            {
                Assert.Equal(0, allocated);
            }
        }
    }
}
