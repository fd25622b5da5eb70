using System.Buffers;
using System.Buffers.Binary;

namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>
/// The device-tree handoff of the blob's address (arm64 and ppc64, drivers/of/kexec.c:426-441): the <c>/chosen</c> property
/// <c>linux,dmcryptkeys</c> of a flattened device tree (as <c>/sys/firmware/fdt</c>), which the kexec
/// loader writes with <c>fdt_appendprop_addrrange</c> and the kdump kernel reads with the root's
/// <c>#address-cells</c>. Reading never allocates, never throws on hostile bytes, and walks the
/// tree once, front to back, in time linear in its size. It sees what libfdt's lookups see: the first
/// <c>chosen</c> child of the root, and only the properties before a node's first subnode.
/// </summary>
/// <remarks>
/// Readers return <see langword="false"/> with a <see cref="DeviceTreeProblem"/> for bad input; writers into a
/// caller's buffer return an <see cref="OperationStatus"/>; only caller bugs (a cell count other than 1 or 2, an
/// undefined mode) throw.
/// </remarks>
public static partial class DeviceTree
{
    /// <summary>Deepest node nesting the reader follows; deeper trees are refused.</summary>
    public const int MaxDepth = 64;

    /// <summary>The property's name in <c>/chosen</c>.</summary>
    public const string DmCryptKeysPropertyName = "linux,dmcryptkeys";

    /// <summary>
    /// <c>#address-cells</c> of a root without one as libfdt's <c>fdt_address_cells</c> (and so the loader's
    /// <c>fdt_appendprop_addrrange</c>) and the Devicetree Specification (2.3.5) assume.
    /// </summary>
    public const int LibfdtDefaultAddressCells = 2;

    /// <summary>
    /// <c>#address-cells</c> of a root without one as the kdump kernel reads it: <c>early_init_dt_scan_root</c>
    /// (drivers/of/fdt.c) starts <c>dt_root_addr_cells</c> at <c>OF_ROOT_NODE_ADDR_CELLS_DEFAULT</c>, which is 1
    /// on every architecture but SPARC (drivers/of/of_private.h). Strict mode refuses such a tree
    /// (<see cref="DeviceTreeError.AddressCellsMissing"/>); <see cref="DeviceTreeMode.Kernel"/> uses this value.
    /// </summary>
    public const int KernelDefaultAddressCells = 1;

    /// <summary><c>#size-cells</c> of a root without one: 1 for libfdt's <c>fdt_size_cells</c>, the specification and the kernel alike.</summary>
    public const int DefaultSizeCells = 1;

    private const int CellSize = FdtLayout.WordSize;

    // Found's token offset of a property or node not seen (real offsets are never negative).
    private const int NotSeen = -1;

    // BlockOutOfRangeField's answer when no header field is at fault (fields lie at offsets 4 to 36).
    private const int NoField = -1;

    // Names as fdt_getprop compares them: the bytes, then the NUL that ends the name in the strings block.
    private static ReadOnlySpan<byte> AddressCellsName => "#address-cells\0"u8;

    private static ReadOnlySpan<byte> SizeCellsName => "#size-cells\0"u8;

    private static ReadOnlySpan<byte> DmCryptKeysName => "linux,dmcryptkeys\0"u8;

    /// <summary>
    /// Validates a flattened device tree and reads <c>/chosen/linux,dmcryptkeys</c> in strict mode
    /// (<see cref="DeviceTreeMode.Strict"/>).
    /// </summary>
    /// <param name="dtb">The tree; it may be longer than its <c>totalsize</c>, and what follows is ignored.</param>
    /// <param name="range">The address, and the size when the property has one; <c>default</c> on failure.</param>
    /// <param name="problem">The first failed check and its offset; <c>default</c> (<see cref="DeviceTreeError.None"/>) on success.</param>
    /// <returns>Whether the property was found and decoded.</returns>
    public static bool TryReadDmCryptKeys(ReadOnlySpan<byte> dtb, out DmCryptKeysRange range, out DeviceTreeProblem problem) =>
        TryReadDmCryptKeys(dtb, DeviceTreeMode.Strict, out range, out problem);

    /// <summary>
    /// Validates a flattened device tree and reads <c>/chosen/linux,dmcryptkeys</c>. The header, the three
    /// blocks and every token are checked (see <see cref="DeviceTreeError"/> for the order) before the property
    /// is decoded. As in libfdt's path lookup, <c>/chosen</c> is the first child of the root named
    /// <c>chosen</c> or <c>chosen@</c>anything; as in <c>fdt_getprop</c>, a node's properties end at its first
    /// subnode, so a <c>linux,dmcryptkeys</c>, <c>#address-cells</c> or <c>#size-cells</c> after one does not count.
    /// </summary>
    /// <param name="dtb">The tree; it may be longer than its <c>totalsize</c>, and what follows is ignored.</param>
    /// <param name="mode">The rule set: <see cref="DeviceTreeMode.Strict"/> or <see cref="DeviceTreeMode.Kernel"/>.</param>
    /// <param name="range">The address, and the size when the property has one; <c>default</c> on failure.</param>
    /// <param name="problem">The first failed check and its offset; <c>default</c> (<see cref="DeviceTreeError.None"/>) on success.</param>
    /// <returns>Whether the property was found and decoded.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not a defined value.</exception>
    public static bool TryReadDmCryptKeys(ReadOnlySpan<byte> dtb, DeviceTreeMode mode, out DmCryptKeysRange range, out DeviceTreeProblem problem)
    {
        if (mode is not (DeviceTreeMode.Strict or DeviceTreeMode.Kernel))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Undefined device tree mode.");
        }

        var meter = default(NoDeviceTreeWorkMeter);
        return TryRead(dtb, mode, ref meter, out range, out problem);
    }

    /// <summary>The reader, metered: <paramref name="meter"/> counts the bytes examined.</summary>
    internal static bool TryRead<TMeter>(ReadOnlySpan<byte> dtb, DeviceTreeMode mode, ref TMeter meter, out DmCryptKeysRange range, out DeviceTreeProblem problem)
        where TMeter : struct, IDeviceTreeWorkMeter
    {
        problem = Read(dtb, mode, ref meter, out range);
        if (problem.Error != DeviceTreeError.None)
        {
            range = default;
            return false;
        }

        return true;
    }

    private static uint Word(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);

    private static ulong ReadCells(ReadOnlySpan<byte> value, int cells) =>
        cells == 1 ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt64BigEndian(value);

    private static DeviceTreeProblem Fail(DeviceTreeError error, int offset) => new() { Error = error, Offset = offset };
}
