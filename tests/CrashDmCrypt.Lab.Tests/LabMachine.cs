using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// One QEMU guest of the lab. The serial console is QEMU's stdin and stdout: the guest's /init (lab/guest/init)
/// prints "@@READY role cmdline", then runs each line sent and answers "@@DONE code". QMP on a Unix socket
/// dumps memory (dump-guest-memory) in the same run that later crashes into the kdump kernel, so the address
/// the kdump kernel is given names the blob in that very dump.
/// </summary>
internal sealed partial class LabMachine : IDisposable
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(300);

    private readonly Process _qemu;
    private readonly BlockingCollection<string> _lines = [];
    private readonly StringBuilder _console = new();
    private readonly string _work;
    private readonly string _qmpPath;

    private LabMachine(Process qemu, string work, string qmpPath)
    {
        _qemu = qemu;
        _work = work;
        _qmpPath = qmpPath;
    }

    /// <summary>Everything the guest printed so far (kernel messages included), for failure messages and logs.</summary>
    public string Console
    {
        get
        {
            lock (_console)
            {
                return _console.ToString();
            }
        }
    }

    public string WorkDir => _work;

    /// <summary>Boots a guest. <paramref name="initrdParts"/> are concatenated (the kernel unpacks each cpio in turn).</summary>
    public static LabMachine Start(
        LabImageSet images, string append, int memoryMiB, IEnumerable<string>? extraInitrdParts = null, IEnumerable<string>? extraArgs = null, string? initrd = null)
    {
        string work = Directory.CreateTempSubdirectory("cdc-lab-").FullName;
        string initrdPath = Path.Combine(work, "initrd");
        using (var output = File.Create(initrdPath))
        {
            foreach (string part in new[] { initrd ?? images.FirstInitrd }.Concat(extraInitrdParts ?? []))
            {
                using FileStream input = File.OpenRead(part);
                input.CopyTo(output);
            }
        }

        string qmp = Path.Combine(work, "qmp.sock");
        var info = new ProcessStartInfo(LabImages.Qemu(images.Arch))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] machine = images.Arch == "arm64"
            ? ["-M", "virt", "-cpu", "cortex-a57"]
            : ["-M", "pc", "-cpu", "max", "-device", "vmcoreinfo"];
        foreach (string arg in machine.Concat([
                     "-m", memoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture), "-smp", "1",
                     "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                     "-qmp", $"unix:{qmp},server=on,wait=off",
                     "-kernel", images.Kernel, "-initrd", initrdPath, "-append", append,
                 ]).Concat(extraArgs ?? []))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var machineObj = new LabMachine(process, work, qmp);
        process.OutputDataReceived += (_, e) => machineObj.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                machineObj.Append("qemu: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return machineObj;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.CompleteAdding();
            return;
        }

        line = line.TrimEnd('\r');
        Append(line);
        _lines.Add(line);
    }

    private void Append(string line)
    {
        lock (_console)
        {
            _console.Append(line).Append('\n');
        }
    }

    /// <summary>Waits for /init's ready line; returns the role (first or kdump) and the kernel's command line.</summary>
    public (string Role, string CommandLine) WaitReady()
    {
        string line = WaitFor(l => l.Contains("@@READY ", StringComparison.Ordinal), BootTimeout);
        string rest = line[(line.IndexOf("@@READY ", StringComparison.Ordinal) + 8)..];
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (rest, "") : (rest[..space], rest[(space + 1)..]);
    }

    /// <summary>Runs one shell line in the guest; returns the lines it printed and its exit code.</summary>
    public LabResult Run(string command)
    {
        if (command.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("one line per command", nameof(command));
        }

        _qemu.StandardInput.Write(command + "\n");
        _qemu.StandardInput.Flush();
        var output = new List<string>();
        while (true)
        {
            string line = Next(CommandTimeout);
            int done = line.IndexOf("@@DONE ", StringComparison.Ordinal);
            if (done >= 0)
            {
                if (done > 0)
                {
                    output.Add(line[..done]);
                }

                return new LabResult(output, int.Parse(line[(done + 7)..].Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }

            output.Add(line);
        }
    }

    /// <summary>Runs a command and requires exit code 0.</summary>
    public LabResult Must(string command)
    {
        LabResult result = Run(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"guest command failed ({result.ExitCode}): {command}\n{string.Join('\n', result.Lines)}\n--- console ---\n{Tail()}");
        }

        return result;
    }

    /// <summary>Sends a line without waiting for an answer (a crash: the next answer is the kdump kernel's ready line).</summary>
    public void Send(string command)
    {
        _qemu.StandardInput.Write(command + "\n");
        _qemu.StandardInput.Flush();
    }

    public string WaitFor(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            string line = Next(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (match(line))
            {
                return line;
            }
        }
    }

    private string Next(TimeSpan timeout)
    {
        try
        {
            if (_lines.TryTake(out string? line, timeout))
            {
                return line;
            }
        }
        catch (InvalidOperationException)
        {
            // completed: QEMU exited
        }

        throw new TimeoutException($"the guest said nothing expected within {timeout.TotalSeconds:0} s (QEMU {(_qemu.HasExited ? "exited " + _qemu.ExitCode : "running")})\n--- console ---\n{Tail()}");
    }

    public string Tail(int lines = 60) => string.Join('\n', Console.Split('\n').TakeLast(lines));

    /// <summary>QMP dump-guest-memory (ELF, paging off): every byte of guest RAM with physical addresses, and VMCOREINFO on x86.</summary>
    public string DumpMemory(string name = "memory.elf")
    {
        string path = Path.Combine(_work, name);
        Qmp(new { execute = "dump-guest-memory", arguments = new { paging = false, protocol = "file:" + path } });
        return path;
    }

    /// <summary>Sends one QMP command on a fresh connection and returns its "return" member.</summary>
    public JsonElement Qmp(object command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(_qmpPath));
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }

        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        reader.ReadLine(); // greeting
        writer.WriteLine("{\"execute\":\"qmp_capabilities\"}");
        ReadReturn(reader);
        writer.WriteLine(JsonSerializer.Serialize(command));
        return ReadReturn(reader);
    }

    private static JsonElement ReadReturn(StreamReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("return", out JsonElement value))
            {
                return value.Clone();
            }

            if (doc.RootElement.TryGetProperty("error", out JsonElement error))
            {
                throw new InvalidOperationException("QMP error: " + error);
            }
        }

        throw new InvalidOperationException("QMP closed");
    }

    /// <summary>Kernel messages printed so far that match <paramref name="pattern"/>.</summary>
    public IReadOnlyList<Match> ConsoleMatches(Regex pattern) => pattern.Matches(Console).ToList();

    public void Dispose()
    {
        try
        {
            if (!_qemu.HasExited)
            {
                _qemu.Kill(entireProcessTree: true);
                _qemu.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _qemu.Dispose();
        if (Environment.GetEnvironmentVariable("CDC_LAB_KEEP") is not { Length: > 0 })
        {
            try
            {
                Directory.Delete(_work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>What one guest command printed and its exit code (kernel messages on the console left out).</summary>
public sealed partial record LabResult(IReadOnlyList<string> AllLines, int ExitCode)
{
    /// <summary>The command's own lines: console lines that are printk messages ("[    1.234567] ...") are dropped.</summary>
    public IReadOnlyList<string> Lines { get; } = AllLines.Where(l => !KernelMessage().IsMatch(l)).ToList();

    [GeneratedRegex(@"^\[\s*\d+\.\d+\] ")]
    private static partial Regex KernelMessage();

    /// <summary>The labtool answer lines ("@@ ..."), without the marker.</summary>
    public IEnumerable<string> Answers => Lines
        .Select(l => l.IndexOf("@@ ", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 3)..] : null)
        .OfType<string>();

    public string Text => string.Join('\n', Lines);
}
