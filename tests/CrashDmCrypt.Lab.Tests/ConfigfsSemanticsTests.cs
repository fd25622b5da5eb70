using System.Text;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Simulation;
using Xunit.Abstractions;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Lab.Tests;

/// <summary>
/// Scenario 4: the same table of configfs operations on the real Linux 7.2 first kernel and on the project's
/// model (src/Simulation, through the IConfigfsBackend the ConfigfsClient uses); every answer (errno, or the
/// bytes read) must be the same. The table is written to artifacts/lab/x86_64/configfs.md.
/// </summary>
public sealed class ConfigfsSemanticsTests(ITestOutputHelper output)
{
    private const string Root = "/sys/kernel/config/crash_dm_crypt_keys";

    /// <summary>One operation: mkdir/rmdir NAME, write ITEM ATTR TEXT, read ITEM ATTR, logon DESC, load.</summary>
    private sealed record Step(string Op, string? Item = null, string? Attribute = null, string? Text = null)
    {
        public override string ToString() => Op switch
        {
            "write" => $"write {Item ?? "."}/{Attribute} {Quote(Text!)}",
            "read" => $"read {Item ?? "."}/{Attribute}",
            _ => $"{Op} {Item}",
        };

        private static string Quote(string text) =>
            text.Length > 24 ? $"({Encoding.UTF8.GetByteCount(text)} bytes{(text.EndsWith('\n') ? ", newline" : "")})"
                : "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal) + "\"";
    }

    private static IEnumerable<Step> Table()
    {
        string c127 = new('a', 127), c128 = new('b', 128), c129 = new('c', 129);
        yield return new("mkdir", "a");
        yield return new("read", "a", "description");
        yield return new("write", "a", "description", "");
        yield return new("write", "a", "description", "\n");
        yield return new("write", "a", "description", "x");
        yield return new("read", "a", "description");
        foreach (string d in new[] { c127, c128, c129, c128 + "\n", c129 + "\n", "ab\ncd", "x\0y" })
        {
            yield return new("write", "a", "description", d);
            yield return new("read", "a", "description");
        }

        yield return new("read", null, "count");
        yield return new("write", null, "count", "1");
        yield return new("read", null, "reuse");
        yield return new("write", null, "reuse", "1");
        yield return new("write", null, "reuse", "0");
        for (int i = 2; i <= 130; i++)
        {
            yield return new("mkdir", $"k{i}");
        }

        yield return new("read", null, "count");
        yield return new("rmdir", "k130");
        for (int i = 2; i <= 129; i++)
        {
            yield return new("rmdir", $"k{i}");
        }

        yield return new("read", null, "count");
        yield return new("write", "a", "description", "cryptsetup:lab");
        yield return new("logon", "cryptsetup:lab");
        yield return new("load");
        foreach (string value in new[] { "1", "0", "y", "n", "Y", "N", "t", "f", "T", "F", "e", "d", "E", "D", "on", "off", "ON", "oF", "o", "x", "", "yes", "no", "1\n", " 1", "2" })
        {
            yield return new("write", null, "reuse", value);
            yield return new("read", null, "reuse");
        }

        yield return new("rmdir", "a");
        yield return new("read", null, "count");
    }

    [LabFact]
    public void Every_configfs_answer_of_the_real_first_kernel_is_the_models()
    {
        LabImageSet images = LabImages.For("x86_64");
        using var vm = LabMachine.Start(images, LabImages.FirstCommandLine, 512);
        vm.WaitReady();
        using var machine = new Machine();
        var logon = new Keyring(KeyType.Logon, machine.Clock);
        using FirstKernel first = machine.BootFirstKernel(logon);
        var model = new ModelConfigfsBackend(first);
        byte[] key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

        var table = new StringBuilder("| step | real Linux 7.2 | model | same |\n| --- | --- | --- | --- |\n");
        var mismatches = new List<string>();
        var steps = Table().ToList();
        var realAnswers = RunReal(vm, steps, key);
        for (int i = 0; i < steps.Count; i++)
        {
            Step step = steps[i];
            string real = realAnswers[i];
            string modelled = Model(model, first, logon, step, key);
            bool same = real == modelled;
            if (!same)
            {
                mismatches.Add($"{step}: real {real}, model {modelled}");
            }

            if (!(step.Op is "mkdir" or "rmdir" && step.Item!.StartsWith('k') && same && step.Item is not ("k129" or "k130")))
            {
                table.Append($"| {step} | {Short(real)} | {Short(modelled)} | {(same ? "yes" : "**no**")} |\n");
            }
        }

        string report = Path.Combine(RepoPaths.Root, "artifacts", "lab", "x86_64", "configfs.md");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        File.WriteAllText(report, table.ToString());
        output.WriteLine(table.ToString());
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} answers differ:\n{string.Join('\n', mismatches)}");
    }

    /// <summary>
    /// The kdump kernel's side: `restore` read, written 0 (a restore runs and restore stays 0), 0 again (a second
    /// restore, which updates every key: kernel/crash_dump_dm_crypt.c:333-343), 1, 1 again (no restore), garbage and a
    /// 0-byte write, and mkdir in the kdump kernel's group; after each write the number of user keys. Real kernel
    /// after a real crash, and the model after its crash, must agree.
    /// </summary>
    [LabFact]
    public void Every_restore_answer_of_the_real_kdump_kernel_is_the_models()
    {
        LabImageSet images = LabImages.For("x86_64");
        using var vm = LabMachine.Start(images, LabImages.FirstCommandLine, 512);
        vm.WaitReady();
        byte[] key = Enumerable.Range(1, 32).Select(i => (byte)(i * 3)).ToArray();
        using var machine = new Machine();
        var logon = new Keyring(KeyType.Logon, machine.Clock);
        using FirstKernel first = machine.BootFirstKernel(logon);
        var firstModel = new ModelConfigfsBackend(first);
        foreach (Step step in new Step[] { new("mkdir", "a"), new("write", "a", "description", "cryptsetup:lab"), new("logon", "cryptsetup:lab") })
        {
            Assert.Equal(Real(vm, step, key), Model(firstModel, first, logon, step, key));
        }

        vm.Must("kexec -s -p /kdump/kernel --initrd=/kdump/initrd --append='console=ttyS0 loglevel=4 nr_cpus=1'");
        Assert.Equal("ok", Name(first.LoadCrashKernel().Error));
        vm.Send("echo c > /proc/sysrq-trigger");
        Assert.Equal("kdump", vm.WaitReady().Role);
        using KdumpKernel kdump = first.Crash();
        var model = new ModelConfigfsBackend(kdump);

        var table = new StringBuilder("| step | real Linux 7.2 | model | same |\n| --- | --- | --- | --- |\n");
        var mismatches = new List<string>();
        var steps = new List<Step> { new("read", null, "restore") };
        foreach (string value in new[] { "0", "0", "1", "1", "x", "" })
        {
            steps.Add(new("write", null, "restore", value));
            steps.Add(new("read", null, "restore"));
            steps.Add(new("userkeys"));
        }

        steps.Add(new("mkdir", "b"));
        foreach (Step step in steps)
        {
            string real = step.Op == "userkeys"
                ? LabKey.Parse(vm.Must("labtool keys")).Count(k => k.Type == "user").ToString(System.Globalization.CultureInfo.InvariantCulture) + " user keys"
                : Real(vm, step, key);
            string modelled = step.Op == "userkeys"
                ? kdump.UserKeyCount.ToString(System.Globalization.CultureInfo.InvariantCulture) + " user keys"
                : Model(model, first, logon, step, key);
            bool same = real == modelled;
            if (!same)
            {
                mismatches.Add($"{step}: real {real}, model {modelled}");
            }

            table.Append($"| {step} | {Short(real)} | {Short(modelled)} | {(same ? "yes" : "**no**")} |\n");
        }

        string report = Path.Combine(RepoPaths.Root, "artifacts", "lab", "x86_64", "configfs-kdump.md");
        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
        File.WriteAllText(report, table.ToString());
        output.WriteLine(table.ToString());
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} answers differ:\n{string.Join('\n', mismatches)}");
    }

    private static string Short(string answer) =>
        answer.StartsWith("data:", StringComparison.Ordinal) && answer.Length > 29 ? $"{answer[..21]}…({(answer.Length - 5) / 2} bytes)" : answer;

    /// <summary>
    /// Runs the steps in the guest, consecutive labtool steps batched into one console line (each labtool call
    /// prints exactly one answer line), so a table of 300 steps costs a few round trips.
    /// </summary>
    private static List<string> RunReal(LabMachine vm, List<Step> steps, byte[] key)
    {
        var answers = new List<string>();
        var batch = new List<string>();
        void Flush()
        {
            if (batch.Count == 0)
            {
                return;
            }

            LabResult result = vm.Run(string.Join("; ", batch));
            var lines = result.Answers.ToList();
            Assert.True(lines.Count == batch.Count, $"{batch.Count} labtool calls printed {lines.Count} answers:\n{result.Text}");
            answers.AddRange(lines.Select(Answer));
            batch.Clear();
        }

        foreach (Step step in steps)
        {
            if (step.Op is "logon" or "load")
            {
                Flush();
                answers.Add(Real(vm, step, key));
                continue;
            }

            batch.Add(LabtoolCommand(step));
            if (batch.Sum(c => c.Length) > 2500)
            {
                Flush();
            }
        }

        Flush();
        return answers;
    }

    private static string LabtoolCommand(Step step) => step.Op switch
    {
        "mkdir" or "rmdir" => $"labtool {step.Op} {Root}/{step.Item}",
        "write" => $"labtool write {Path2(step)} {Convert.ToHexStringLower(Encoding.UTF8.GetBytes(step.Text!))}",
        _ => $"labtool read {Path2(step)}",
    };

    private static string Path2(Step s) => s.Item is null ? $"{Root}/{s.Attribute}" : $"{Root}/{s.Item}/{s.Attribute}";

    private static string Real(LabMachine vm, Step step, byte[] key)
    {
        switch (step.Op)
        {
            case "logon":
                vm.Must($"printf '{string.Concat(key.Select(b => $"\\{Convert.ToString(b, 8)}"))}' > /tmp/key && keyctl padd logon '{step.Item}' @u < /tmp/key");
                return "ok";
            case "load":
                return Answer(vm.Run("labtool load /kdump/kernel /kdump/initrd 'console=ttyS0'"));
            default:
                return Answer(vm.Run(LabtoolCommand(step)));
        }
    }

    /// <summary>labtool's answer as "ok", an errno name, or "data:HEX".</summary>
    private static string Answer(LabResult result) => Answer(result.Answers.LastOrDefault() ?? "no answer: " + result.Text);

    private static string Answer(string answer)
    {
        string[] f = answer.Split(' ');
        if (f.Length >= 3 && f[1] == "open")
        {
            return f[2];
        }

        int errno = Array.IndexOf(f, "errno");
        string e = errno >= 0 ? f[errno + 1] : answer;
        if (e != "0")
        {
            return e;
        }

        int data = Array.IndexOf(f, "data");
        return f[0] == "read" ? "data:" + (data >= 0 && data + 1 < f.Length ? f[data + 1] : "") : "ok";
    }

    private static string Model(ModelConfigfsBackend model, FirstKernel first, Keyring logon, Step step, byte[] key)
    {
        switch (step.Op)
        {
            case "logon":
                return Name(logon.Add(step.Item!, key));
            case "load":
                return Name(first.LoadCrashKernel().Error);
            case "mkdir":
                return Name(model.MakeItem(step.Item!));
            case "rmdir":
                return Name(model.RemoveItem(step.Item!));
            case "write":
                return Name(model.WriteAttribute(step.Item, step.Attribute!, Encoding.UTF8.GetBytes(step.Text!)));
            default:
                LinuxErrno e = model.ReadAttribute(step.Item, step.Attribute!, out string value);
                return e == LinuxErrno.None ? "data:" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(value)) : Name(e);
        }
    }

    private static string Name(LinuxErrno errno) => errno == LinuxErrno.None ? "ok" : errno.ToString();
}
