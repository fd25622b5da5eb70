using System.Buffers;
using System.Buffers.Binary;

namespace CrashDmCrypt.Kernel.Handoff;

// The writer of the property into a caller's buffer (fdt_appendprop_addrrange), and the cell checks it shares with the builder.
public static partial class DeviceTree
{
    /// <summary>Length of the property value for the given root cell counts: an address then a size, 4 bytes a cell.</summary>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <returns>The length in bytes (8 to 16).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A cell count other than 1 or 2.</exception>
    public static int GetDmCryptKeysPropertyLength(int addressCells, int sizeCells)
    {
        CheckCells(addressCells, nameof(addressCells));
        CheckCells(sizeCells, nameof(sizeCells));
        return (addressCells + sizeCells) * CellSize;
    }

    /// <summary>
    /// Writes the property value as <c>fdt_appendprop_addrrange</c> does: the address in
    /// <paramref name="addressCells"/> big-endian cells, then the size in <paramref name="sizeCells"/> cells,
    /// with libfdt's range checks.
    /// </summary>
    /// <param name="destination">Where to write; <see cref="GetDmCryptKeysPropertyLength"/> bytes are needed.</param>
    /// <param name="address">The blob's address.</param>
    /// <param name="size">The blob's size.</param>
    /// <param name="addressCells">Root <c>#address-cells</c>, 1 or 2.</param>
    /// <param name="sizeCells">Root <c>#size-cells</c>, 1 or 2.</param>
    /// <param name="bytesWritten">Bytes written; 0 unless the status is <see cref="OperationStatus.Done"/>.</param>
    /// <param name="problem">
    /// For <see cref="OperationStatus.InvalidData"/>, why (libfdt's <c>-FDT_ERR_BADVALUE</c>):
    /// <see cref="DeviceTreeError.AddressDoesNotFitCells"/> (offset 0) with one address cell and an address above
    /// 0xffffffff or a range ending past 4 GiB, or <see cref="DeviceTreeError.SizeDoesNotFitCells"/> (offset of the
    /// size cells) with one size cell and a size above 0xffffffff; otherwise <c>default</c>.
    /// </param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>; <see cref="OperationStatus.InvalidData"/> when the values do not fit the
    /// cells (checked first: no buffer helps); <see cref="OperationStatus.DestinationTooSmall"/> when
    /// <paramref name="destination"/> is shorter than the value (nothing is written).
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">A cell count other than 1 or 2.</exception>
    public static OperationStatus WriteDmCryptKeysProperty(
        Span<byte> destination, ulong address, ulong size, int addressCells, int sizeCells, out int bytesWritten, out DeviceTreeProblem problem)
    {
        int length = GetDmCryptKeysPropertyLength(addressCells, sizeCells);
        bytesWritten = 0;
        problem = default;
        if (addressCells == 1 && (address > uint.MaxValue || size > (1UL << 32) - address))
        {
            problem = new DeviceTreeProblem { Error = DeviceTreeError.AddressDoesNotFitCells, Offset = 0 };
            return OperationStatus.InvalidData;
        }

        if (sizeCells == 1 && size > uint.MaxValue)
        {
            problem = new DeviceTreeProblem { Error = DeviceTreeError.SizeDoesNotFitCells, Offset = addressCells * CellSize };
            return OperationStatus.InvalidData;
        }

        if (destination.Length < length)
        {
            return OperationStatus.DestinationTooSmall;
        }

        WriteCells(destination, address, addressCells);
        WriteCells(destination[(addressCells * CellSize)..], size, sizeCells);
        bytesWritten = length;
        return OperationStatus.Done;
    }

    private static void WriteCells(Span<byte> destination, ulong value, int cells)
    {
        if (cells == 1)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, value);
        }
    }

    private static void CheckCells(int cells, string paramName)
    {
        if (cells is not (1 or 2))
        {
            throw new ArgumentOutOfRangeException(paramName, cells, "A cell count must be 1 or 2.");
        }
    }
}
