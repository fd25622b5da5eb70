namespace CrashDmCrypt.Dumps.Tests;

/// <summary>The outside producers and readers the tests check against.</summary>
internal static class Tools
{
    public const string Python = "/usr/bin/python3";

    public static bool Has(string tool) => tool switch
    {
        "libkdumpfile" => File.Exists(Python) && Run(Python, ["-c", "import kdumpfile"], out _) == 0,
        "liblzo2" => Compression.Lzo.IsAvailable,
        "libz" => Compression.LibzDecompressor.IsAvailable,
        "libdeflate" => Compression.LibdeflateDecompressor.IsAvailable,
        "libsnappy" => Compression.LibsnappyDecompressor.IsAvailable,
        "libzstd" => Compression.LibzstdDecompressor.IsAvailable,
        _ => Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool))),
    };

    public static string InstallHint(string tool) => tool switch
    {
        "libkdumpfile" => "apt-get install python3-libkdumpfile",
        "liblzo2" => "apt-get install liblzo2-2",
        "libz" => "apt-get install zlib1g",
        "libdeflate" => "apt-get install libdeflate0",
        "libsnappy" => "apt-get install libsnappy1v5",
        "libzstd" => "apt-get install libzstd1",
        "qemu-system-x86_64" => "apt-get install qemu-system-x86",
        _ => "apt-get install " + tool,
    };

    /// <summary>Runs a tool; <paramref name="stdout"/> is its standard output followed by its standard error.</summary>
    public static int Run(string file, IEnumerable<string> args, out string stdout)
    {
        (int code, string output, string error) = ChildProcess.Run(file, args);
        stdout = output + error;
        return code;
    }

    /// <summary>
    /// Reads physical memory through libkdumpfile (the reader drgn uses), page by page, into one buffer per range;
    /// a page libkdumpfile cannot read comes back as the marker byte 0xA5 repeated.
    /// </summary>
    public static byte[] ReadWithLibkdumpfile(string dump, IReadOnlyList<PhysicalRange> ranges, int pageSize)
    {
        string output = Path.GetTempFileName();
        string script = """
            import sys, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            k.attr['file.zero_excluded'] = 1
            page = int(sys.argv[3])
            with open(sys.argv[2], 'wb') as out:
                for spec in sys.argv[4:]:
                    start, length = (int(x, 16) for x in spec.split(':'))
                    addr = start
                    while addr < start + length:
                        n = min(page - addr % page, start + length - addr)
                        try:
                            out.write(bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, addr, n)))
                        except Exception:
                            out.write(b'\xa5' * n)
                        addr += n
            """;
        try
        {
            var args = new List<string> { "-c", script, dump, output, pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            args.AddRange(ranges.Select(r => $"{r.Start:x}:{r.Length:x}"));
            int rc = Run(Python, args, out string text);
            Assert.True(rc == 0, "libkdumpfile failed: " + text);
            return File.ReadAllBytes(output);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
