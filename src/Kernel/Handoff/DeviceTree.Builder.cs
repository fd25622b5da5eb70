using System.Buffers;

namespace CrashDmCrypt.Kernel.Handoff;

// The allocating tree builder for tests, fuzz seeds and the model: a whole minimal DTB around the property.
public static partial class DeviceTree
{
    /// <summary>
    /// Builds a minimal valid DTB (version 17) as a kexec loader would hand it to the kdump kernel: a memory
    /// reservation entry for the range, a root node with <c>#address-cells</c> and <c>#size-cells</c>, and
    /// <c>/chosen</c> with <c>linux,dmcryptkeys</c> (and <c>bootargs</c> when given). An allocating convenience
    /// for tests, fuzz seeds and the simulation (internal, shown to them): unlike the reader and
    /// <see cref="WriteDmCryptKeysProperty"/>, it throws.
    /// </summary>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <param name="bootArgs">Optional <c>/chosen/bootargs</c> (the kernel command line), written as a NUL-terminated string.</param>
    /// <returns>The DTB, exactly <c>totalsize</c> bytes long.</returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A cell count other than 1 or 2; or an address or size that does not fit its cells (where
    /// <see cref="WriteDmCryptKeysProperty"/> returns <see cref="OperationStatus.InvalidData"/>; the message carries the problem's code).
    /// </exception>
    internal static byte[] BuildDtb(ulong address, ulong size, int addressCells = 2, int sizeCells = 2, string? bootArgs = null)
    {
        Span<byte> value = stackalloc byte[4 * CellSize];
        OperationStatus status = WriteDmCryptKeysProperty(value, address, size, addressCells, sizeCells, out int length, out DeviceTreeProblem problem);
        if (status != OperationStatus.Done)
        {
            // The stack buffer fits every cell count, so only the values can be refused.
            throw new ArgumentOutOfRangeException(
                problem.Error == DeviceTreeError.SizeDoesNotFitCells ? nameof(size) : nameof(address), problem.ToString());
        }

        var builder = new FdtBuilder();
        builder.AddReservation(address, size);
        builder.BeginNode(string.Empty);
        builder.AddProperty("#address-cells", (uint)addressCells);
        builder.AddProperty("#size-cells", (uint)sizeCells);
        builder.BeginNode("chosen");
        if (bootArgs is not null)
        {
            builder.AddProperty("bootargs", bootArgs);
        }

        builder.AddProperty(DmCryptKeysPropertyName, value[..length]);
        builder.EndNode();
        builder.EndNode();
        return builder.Finish();
    }
}
