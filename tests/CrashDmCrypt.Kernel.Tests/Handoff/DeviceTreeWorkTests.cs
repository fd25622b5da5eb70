using System.Buffers.Binary;
using CrashDmCrypt.Kernel.Handoff;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// The walk is linear in the tree's size (issue 12, item 1): a tree of many properties whose names all point at
/// one long string once cost properties x string length (a NUL search through the rest of the strings block per
/// property). Work is counted in bytes examined, never timed.
/// </summary>
public class DeviceTreeWorkTests
{
    private const ulong Address = 0x7e001000;

    [Fact]
    public void Many_properties_naming_one_long_string_cost_work_linear_in_the_tree()
    {
        (byte[] small, long smallWork) = ReadHostile(scale: 1);
        (byte[] large, long largeWork) = ReadHostile(scale: 4);

        // Four times the properties and a string four times as long: four times the work, not sixteen.
        double ratio = (double)largeWork / smallWork;
        Assert.InRange(ratio, 3.5, 4.5);
        Assert.InRange((double)large.Length / small.Length, 3.5, 4.5);

        // And a few bytes examined per byte of the tree, whatever its size.
        Assert.True(smallWork <= 4L * small.Length, $"{smallWork} bytes examined for a {small.Length}-byte tree");
        Assert.True(largeWork <= 4L * large.Length, $"{largeWork} bytes examined for a {large.Length}-byte tree");
    }

    [Fact]
    public void A_string_block_with_a_long_unterminated_tail_is_scanned_once()
    {
        // Every property names a string past the block's last NUL: the first one is refused without a search.
        byte[] dtb = HostileTree(properties: 100_000, nameLength: 1 << 20, terminateName: false);
        var meter = default(DeviceTreeByteMeter);
        Assert.False(DeviceTree.TryRead(dtb, DeviceTreeMode.Strict, ref meter, out _, out DeviceTreeProblem problem));
        Assert.Equal(DeviceTreeError.PropertyNameUnterminated, problem.Error);
        Assert.True(meter.Examined <= 2L * dtb.Length, $"{meter.Examined} bytes examined for a {dtb.Length}-byte tree");
    }

    [Fact]
    public void The_largest_tree_the_cli_reads_completes_in_linear_work()
    {
        // 16 MiB, what `crashdmcrypt dtb` accepts: half properties, half one name they all point at.
        const int size = 16 << 20;
        const int nameLength = 8 << 20;
        int properties = ((size - nameLength) / 12) - 64;
        byte[] dtb = HostileTree(properties, nameLength, terminateName: true);
        Assert.InRange(dtb.Length, size - 1024, size);

        var meter = default(DeviceTreeByteMeter);
        Assert.True(DeviceTree.TryRead(dtb, DeviceTreeMode.Strict, ref meter, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(Address, range.Address);
        Assert.True(meter.Examined <= 4L * dtb.Length, $"{meter.Examined} bytes examined for a {dtb.Length}-byte tree");
    }

    [Fact]
    public void The_metered_and_the_public_reader_agree()
    {
        byte[] dtb = HostileTree(properties: 1000, nameLength: 1000, terminateName: true);
        var meter = default(DeviceTreeByteMeter);
        Assert.True(DeviceTree.TryRead(dtb, DeviceTreeMode.Kernel, ref meter, out DmCryptKeysRange metered, out _));
        Assert.True(DeviceTree.TryReadDmCryptKeys(dtb, DeviceTreeMode.Kernel, out DmCryptKeysRange range, out _));
        Assert.Equal(range, metered);
        Assert.True(meter.Examined > dtb.Length / 2);
    }

    private static (byte[] Tree, long Work) ReadHostile(int scale)
    {
        byte[] dtb = HostileTree(properties: 20_000 * scale, nameLength: (256 << 10) * scale, terminateName: true);
        var meter = default(DeviceTreeByteMeter);
        Assert.True(DeviceTree.TryRead(dtb, DeviceTreeMode.Strict, ref meter, out DmCryptKeysRange range, out DeviceTreeProblem problem), problem.ToString());
        Assert.Equal(Address, range.Address);
        return (dtb, meter.Examined);
    }

    // /chosen holds `properties` empty properties whose names all point at one string of `nameLength` bytes (the
    // last in the strings block, NUL-terminated or not), then linux,dmcryptkeys. Each of them is compared with
    // linux,dmcryptkeys, the work the old reader did with a NUL search through the whole string.
    private static byte[] HostileTree(int properties, int nameLength, bool terminateName)
    {
        var builder = new FdtBuilder();
        builder.BeginNode(string.Empty);
        builder.AddProperty("#address-cells", 2);
        builder.AddProperty("#size-cells", 2);
        builder.BeginNode("chosen");
        Span<byte> value = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(value, Address);
        BinaryPrimitives.WriteUInt64BigEndian(value[8..], 392);
        builder.AddProperty(DeviceTree.DmCryptKeysPropertyName, value);
        builder.AddProperty("long", []);
        for (int i = 0; i < properties; i++)
        {
            builder.AddProperty("long", []);
        }

        builder.EndNode();
        builder.EndNode();
        byte[] dtb = builder.Finish();

        // Stretch "long\0", the last string, to nameLength bytes (and its NUL, unless the name is to run off the block).
        int stringsOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(12));
        int stringsSize = (int)BinaryPrimitives.ReadUInt32BigEndian(dtb.AsSpan(32));
        int longOffset = stringsSize - 5;
        int newStringsSize = longOffset + nameLength + (terminateName ? 1 : 0);
        byte[] stretched = new byte[stringsOffset + newStringsSize];
        dtb.AsSpan(0, stringsOffset + longOffset).CopyTo(stretched);
        stretched.AsSpan(stringsOffset + longOffset, nameLength).Fill((byte)'x');
        BinaryPrimitives.WriteUInt32BigEndian(stretched.AsSpan(4), (uint)stretched.Length);
        BinaryPrimitives.WriteUInt32BigEndian(stretched.AsSpan(32), (uint)newStringsSize);
        return stretched;
    }
}
