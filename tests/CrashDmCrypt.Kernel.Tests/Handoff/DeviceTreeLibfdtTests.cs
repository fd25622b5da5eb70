using System.Buffers.Binary;
using System.Globalization;
using CrashDmCrypt.Kernel.Handoff;
using Xunit.Abstractions;

namespace CrashDmCrypt.Kernel.Tests.Handoff;

/// <summary>
/// The reader against libfdt (issue 12, item 2), through libfdt's own command-line tools: <c>fdtget</c> answers
/// with <c>fdt_path_offset</c> and <c>fdt_getprop</c>, exactly what the kernel's early FDT code calls, so on every
/// tree the reader must give the same address or the same absence. Trees come from a seeded generator (property
/// before or after subnodes, missing and odd cell counts, duplicate properties, <c>chosen@N</c> names, versions 16
/// and 17), from <c>dtc</c>, and from <c>fdtput</c> writing the property into a tree as a loader does.
/// </summary>
public sealed class DeviceTreeLibfdtTests : IDisposable
{
    private const int GeneratedTrees = 400;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cdc-libfdt-" + Guid.NewGuid().ToString("N"));

    private readonly ITestOutputHelper _output;

    public DeviceTreeLibfdtTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibfdtFact]
    public void Generated_trees_read_as_libfdt_reads_them()
    {
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int seed = 0; seed < GeneratedTrees; seed++)
        {
            var random = new Random(seed);
            GeneratedTree generated = Generate(random);
            string file = Path.Combine(_dir, $"tree-{seed}.dtb");
            File.WriteAllBytes(file, generated.Bytes);
            Expectation libfdt = AskLibfdt(file, generated.NopFirst);

            Assert.True(
                DeviceTree.TryReadDmCryptKeys(generated.Bytes, DeviceTreeMode.Kernel, out DmCryptKeysRange range, out DeviceTreeProblem problem) == (libfdt.Kernel is DeviceTreeError.None or ReadsOn)
                    && Matches(libfdt.Kernel, libfdt.KernelRange, problem.Error, range, generated.NopFirst),
                $"tree {seed} ({generated.Description}), kernel mode: libfdt says {libfdt.Kernel} {libfdt.KernelRange}, the reader {problem} {range}");
            Assert.True(
                DeviceTree.TryReadDmCryptKeys(generated.Bytes, DeviceTreeMode.Strict, out range, out problem) == (libfdt.Strict == DeviceTreeError.None)
                    && Matches(libfdt.Strict, libfdt.Range, problem.Error, range, generated.NopFirst),
                $"tree {seed} ({generated.Description}), strict mode: libfdt says {libfdt.Strict} {libfdt.Range}, the reader {problem} {range}");
            string kind = libfdt.Kernel == DeviceTreeError.None ? "found" : libfdt.Kernel == ReadsOn ? "readsOn" : libfdt.Kernel == Absent ? "absent" : libfdt.Kernel.ToString();
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            File.Delete(file);
        }

        _output.WriteLine($"{GeneratedTrees} trees, libfdt's answers: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal)));

        // The generator reaches every outcome, many trees with an address.
        Assert.True(kinds.GetValueOrDefault("found") > GeneratedTrees / 4, string.Join(", ", kinds));
        foreach (string outcome in new[] { "absent", "readsOn", nameof(DeviceTreeError.BadCellCount) })
        {
            Assert.True(kinds.GetValueOrDefault(outcome) > 0, $"no tree gave {outcome}: " + string.Join(", ", kinds));
        }
    }

    [LibfdtFact]
    public void Trees_compiled_by_dtc_and_edited_by_fdtput_read_as_libfdt_reads_them()
    {
        string[] sources =
        [
            "/ { #address-cells = <2>; #size-cells = <2>; chosen { linux,dmcryptkeys = <0x0 0x7e001000 0x0 0x188>; }; };",
            "/ { #address-cells = <1>; #size-cells = <1>; memory@0 { reg = <0 0x1000>; }; chosen@0 { bootargs = \"ro\"; linux,dmcryptkeys = <0x7e001000>; }; };",
            "/ { #address-cells = <2>; #size-cells = <1>; chosen { stdout { }; }; };",
            "/ { chosen { linux,dmcryptkeys = <0x7e001000 0x188>; }; };",
            "/ { #address-cells = <2>; #size-cells = <2>; soc { chosen { linux,dmcryptkeys = <0 1 0 1>; }; }; };",
        ];
        int read = 0;
        int compared = 0;
        for (int i = 0; i < sources.Length; i++)
        {
            foreach (string version in new[] { "16", "17" })
            {
                string source = Path.Combine(_dir, $"t{i}.dts");
                string dtb = Path.Combine(_dir, $"t{i}-v{version}.dtb");
                File.WriteAllText(source, "/dts-v1/;\n" + sources[i] + "\n");
                (int exit, _, string error) = Libfdt.Run("dtc", "-q", "-I", "dts", "-O", "dtb", "-V", version, "-o", dtb, source);
                Assert.True(exit == 0, error);
                read += CompareWithLibfdt(dtb, $"source {i}, version {version}");
                compared++;

                // The loader's way: fdt_setprop into the tree (fdtput appends to the node's properties, before its subnodes).
                (exit, _, error) = Libfdt.Run("fdtput", "-t", "x", dtb, "/chosen", "linux,dmcryptkeys", "0", "7e002000", "0", "188");
                if (exit == 0)
                {
                    read += CompareWithLibfdt(dtb, $"source {i}, version {version}, after fdtput");
                    compared++;
                }
            }
        }

        // fdtput refuses to write into a version 16 tree (FDT_ERR_BADVERSION) and where there is no /chosen.
        Assert.True(compared >= 14 && read >= 6, $"{compared} trees compared, {read} with an address");
    }

    private static bool Matches(DeviceTreeError expected, DmCryptKeysRange expectedRange, DeviceTreeError actual, DmCryptKeysRange actualRange, bool nopFirst) =>
        expected switch
        {
            DeviceTreeError.None => actual == DeviceTreeError.None && actualRange == expectedRange,
            ReadsOn => actual == DeviceTreeError.None,

            // libfdt cannot tell a missing /chosen from a missing property (both are FDT_ERR_NOTFOUND); a NOP where the
            // root should be hides every node from libfdt, and the reader refuses that tree.
            Absent => nopFirst ? actual == DeviceTreeError.BadRootNode : actual is DeviceTreeError.ChosenMissing or DeviceTreeError.PropertyMissing,
            _ => actual == expected,
        };

    // Stands for "libfdt finds no property" in an expectation.
    private const DeviceTreeError Absent = (DeviceTreeError)(-1);

    // Kernel mode: the property is shorter than #address-cells cells, so the kernel reads on into the tree's next bytes.
    private const DeviceTreeError ReadsOn = (DeviceTreeError)(-2);

    private static int CompareWithLibfdt(string file, string label)
    {
        byte[] bytes = File.ReadAllBytes(file);
        Expectation libfdt = AskLibfdt(file, nopFirst: false);
        bool strictOk = DeviceTree.TryReadDmCryptKeys(bytes, out DmCryptKeysRange range, out DeviceTreeProblem problem);
        Assert.True(
            strictOk == (libfdt.Strict == DeviceTreeError.None) && Matches(libfdt.Strict, libfdt.Range, problem.Error, range, nopFirst: false),
            $"{label}, strict mode: libfdt says {libfdt.Strict} {libfdt.Range}, the reader {problem} {range}");
        bool ok = DeviceTree.TryReadDmCryptKeys(bytes, DeviceTreeMode.Kernel, out range, out problem);
        Assert.True(
            ok == (libfdt.Kernel is DeviceTreeError.None or ReadsOn) && Matches(libfdt.Kernel, libfdt.KernelRange, problem.Error, range, nopFirst: false),
            $"{label}, kernel mode: libfdt says {libfdt.Kernel} {libfdt.KernelRange}, the reader {problem} {range}");
        return ok ? 1 : 0;
    }

    // What the kernel would conclude from libfdt's answers: fdt_getprop for the property and the root's cell counts
    // (early_init_dt_scan_root: 1 address cell and 1 size cell by default), plus this reader's own refusals (cell
    // counts other than one cell of 1 or 2, a property that is neither an address nor an address and a size) and,
    // in strict mode, the ambiguous trees: a property libfdt lists twice, a root without #address-cells.
    private static Expectation AskLibfdt(string file, bool nopFirst)
    {
        List<string> root = Properties(file, "/") ?? [];
        List<string>? chosen = Properties(file, "/chosen");
        bool duplicate = root.Count(p => p == "#address-cells") > 1 || root.Count(p => p == "#size-cells") > 1
            || (chosen?.Count(p => p == DeviceTree.DmCryptKeysPropertyName) ?? 0) > 1;
        if (chosen is null || !chosen.Contains(DeviceTree.DmCryptKeysPropertyName))
        {
            return new Expectation(Absent, duplicate && !nopFirst ? DeviceTreeError.DuplicateProperty : Absent, default);
        }

        byte[] value = Get(file, "/chosen", DeviceTree.DmCryptKeysPropertyName);
        byte[]? addressCellsValue = root.Contains("#address-cells") ? Get(file, "/", "#address-cells") : null;
        byte[]? sizeCellsValue = root.Contains("#size-cells") ? Get(file, "/", "#size-cells") : null;
        int addressCells = addressCellsValue is null ? 1 : Cells(addressCellsValue);
        int sizeCells = sizeCellsValue is null ? 1 : Cells(sizeCellsValue);
        DeviceTreeError strict = DeviceTreeError.None;
        DmCryptKeysRange range = default;
        if (addressCells == 0 || sizeCells == 0)
        {
            strict = DeviceTreeError.BadCellCount;
        }
        else if (value.Length == 4 * addressCells)
        {
            range = new DmCryptKeysRange { Address = Number(value) };
        }
        else if (value.Length == 4 * (addressCells + sizeCells))
        {
            range = new DmCryptKeysRange { Address = Number(value.AsSpan(0, 4 * addressCells)), Size = Number(value.AsSpan(4 * addressCells)) };
        }
        else
        {
            strict = DeviceTreeError.BadPropertyLength;
        }

        // The kernel reads #address-cells cells and nothing else (drivers/of/fdt.c:866-870): no length check, no
        // #size-cells; a shorter property reads on into the tree (ReadsOn). #address-cells other than 1 or 2: deviation D4.
        DeviceTreeError kernel = DeviceTreeError.None;
        DmCryptKeysRange kernelRange = default;
        if (addressCells is not (1 or 2))
        {
            kernel = DeviceTreeError.BadCellCount;
        }
        else if (value.Length >= 4 * addressCells)
        {
            bool sized = sizeCells is 1 or 2 && value.Length == 4 * (addressCells + sizeCells);
            kernelRange = new DmCryptKeysRange { Address = Number(value.AsSpan(0, 4 * addressCells)), Size = sized ? Number(value.AsSpan(4 * addressCells)) : null };
        }
        else
        {
            kernel = ReadsOn;
        }

        strict = duplicate ? DeviceTreeError.DuplicateProperty
            : addressCellsValue is null ? DeviceTreeError.AddressCellsMissing
            : strict;
        return new Expectation(kernel, strict, strict == DeviceTreeError.None ? range : default, kernelRange);
    }

    // fdtget -p: the names fdt_first_property_offset / fdt_next_property_offset list, in order; null when libfdt finds no such node.
    private static List<string>? Properties(string file, string node)
    {
        (int exit, string output, _) = Libfdt.Run("fdtget", "-p", file, node);
        return exit == 0 ? [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)] : null;
    }

    // fdtget -t bx: the value fdt_getprop returns, as hex bytes.
    private static byte[] Get(string file, string node, string property)
    {
        (int exit, string output, string error) = Libfdt.Run("fdtget", "-t", "bx", file, node, property);
        Assert.True(exit == 0, $"fdtget {node} {property}: {error}");
        return [.. output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }

    private static int Cells(byte[] value) =>
        value.Length == 4 && BinaryPrimitives.ReadUInt32BigEndian(value) is 1 or 2 ? (int)BinaryPrimitives.ReadUInt32BigEndian(value) : 0;

    private static ulong Number(ReadOnlySpan<byte> cells) =>
        cells.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(cells) : BinaryPrimitives.ReadUInt64BigEndian(cells);

    private static GeneratedTree Generate(Random random)
    {
        var notes = new List<string>();
        var builder = new FdtBuilder();
        builder.AddReservation(0x7e000000, 0x1000);
        bool nopFirst = random.Next(30) == 0;
        if (nopFirst)
        {
            builder.AddToken(4);
            notes.Add("NOP before the root");
        }

        builder.BeginNode(string.Empty);

        // The cell counts the tree means to have; most properties follow them, some do not.
        int addressCells = random.Next(1, 3);
        int sizeCells = random.Next(1, 3);

        // The root's children, in random order; the first chosen-like one is /chosen for libfdt.
        var children = new List<Action<FdtBuilder>>();
        int others = random.Next(4);
        for (int i = 0; i < others; i++)
        {
            string name = Pick(random, "memory@0", "cpus", "soc", "chosenx", "chose", "aliases", "chosen-foo");
            children.Add(b => { b.BeginNode(name); b.AddProperty("reg", Cells(random, 2)); b.EndNode(); });
            notes.Add(name);
        }

        int chosenNodes = random.Next(10) == 0 ? 0 : random.Next(8) == 0 ? 2 : 1;
        for (int i = 0; i < chosenNodes; i++)
        {
            string name = Pick(random, "chosen", "chosen", "chosen@0", "chosen@1", "chosen@");
            notes.Add(name);
            children.Add(b => Chosen(b, random, name, addressCells + (random.Next(4) == 0 ? 0 : sizeCells), notes));
        }

        Shuffle(random, children);

        // The root's own properties: each before the first child (libfdt sees it) or after one (it does not).
        var rootProperties = new List<Action<FdtBuilder>>();
        AddCells(random, rootProperties, "#address-cells", addressCells, notes);
        AddCells(random, rootProperties, "#size-cells", sizeCells, notes);
        if (random.Next(2) == 0)
        {
            rootProperties.Add(b => b.AddProperty("model", "generated"));
        }

        var late = new List<Action<FdtBuilder>>();
        foreach (Action<FdtBuilder> property in rootProperties)
        {
            if (children.Count > 0 && random.Next(5) == 0)
            {
                late.Add(property);
                notes.Add("a root property after a subnode");
            }
            else
            {
                property(builder);
            }

            MaybeNop(random, builder);
        }

        int lateAt = children.Count == 0 ? 0 : random.Next(1, children.Count + 1);
        for (int i = 0; i < children.Count; i++)
        {
            children[i](builder);
            MaybeNop(random, builder);
            if (i + 1 == lateAt)
            {
                late.ForEach(p => p(builder));
            }
        }

        builder.EndNode();
        byte[] bytes = builder.Finish();
        if (random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), 16);
            notes.Add("version 16");
        }

        return new GeneratedTree(bytes, nopFirst, string.Join(", ", notes));
    }

    private static void Chosen(FdtBuilder builder, Random random, string name, int cells, List<string> notes)
    {
        builder.BeginNode(name);
        var items = new List<(bool Property, Action<FdtBuilder> Write)>();
        if (random.Next(3) == 0)
        {
            items.Add((true, b => b.AddProperty("bootargs", "console=ttyS0")));
        }

        int copies = random.Next(8) == 0 ? 0 : random.Next(8) == 0 ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            byte[] value = Cells(random, random.Next(4) == 0 ? Pick(random, 0, 1, 2, 3, 4, 5, 6) : cells);
            items.Add((true, b => b.AddProperty(DeviceTree.DmCryptKeysPropertyName, value)));
        }

        if (random.Next(3) == 0)
        {
            items.Add((false, b => { b.BeginNode("child@1"); b.AddProperty(DeviceTree.DmCryptKeysPropertyName, Cells(random, 4)); b.EndNode(); }));
            notes.Add("chosen has a child");
        }

        Shuffle(random, items);
        bool subnodeSeen = false;
        foreach ((bool property, Action<FdtBuilder> write) in items)
        {
            write(builder);
            MaybeNop(random, builder);
            if (property && subnodeSeen)
            {
                notes.Add("a chosen property after its child");
            }

            subnodeSeen |= !property;
        }

        builder.EndNode();
    }

    private static void AddCells(Random random, List<Action<FdtBuilder>> properties, string name, int cells, List<string> notes)
    {
        int copies = random.Next(6) == 0 ? 0 : random.Next(10) == 0 ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            byte[] value = random.Next(12) switch
            {
                0 => [0, 0, 0, 3],
                1 => [0, 0, 0, 0],
                2 => [0, 0, 0, 0, 0, 0, 0, 2],
                3 => [0, 0, 0, (byte)(3 - cells)],
                _ => [0, 0, 0, (byte)cells],
            };
            properties.Add(b => b.AddProperty(name, value));
            notes.Add($"{name} {Convert.ToHexString(value)}");
        }
    }

    private static void MaybeNop(Random random, FdtBuilder builder)
    {
        if (random.Next(10) == 0)
        {
            builder.AddToken(4);
        }
    }

    private static byte[] Cells(Random random, int count)
    {
        byte[] value = new byte[4 * count];
        random.NextBytes(value);
        return value;
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static void Shuffle<T>(Random random, List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private sealed record GeneratedTree(byte[] Bytes, bool NopFirst, string Description);

    private readonly record struct Expectation(DeviceTreeError Kernel, DeviceTreeError Strict, DmCryptKeysRange Range, DmCryptKeysRange KernelRange = default);
}
