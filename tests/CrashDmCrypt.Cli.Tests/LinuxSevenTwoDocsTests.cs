namespace CrashDmCrypt.Cli.Tests;

/// <summary>What the help and the spec say about Linux 7.2 (issue 21 items 4, 18, 19).</summary>
public sealed class LinuxSevenTwoDocsTests
{
    // Producers: arch/x86/kernel/kexec-bzimage64.c:527, arch/arm64/kernel/machine_kexec_file.c:138,
    // arch/powerpc/kexec/elf_64.c:82; no riscv, loongarch or s390 caller.
    [Theory]
    [InlineData("inspect")]
    [InlineData("dtb")]
    [InlineData("simulate")]
    public void Help_names_no_architecture_without_a_producer(string command)
    {
        CliResult result = CliRunner.Run(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("riscv", result.Output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("s390", result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Dtb_help_says_the_kdump_kernel_deletes_the_property()
    {
        // drivers/of/fdt.c:873 (fdt_delprop), :1110-1119 and :1337-1340 (/sys/firmware/fdt only after an rng-seed).
        CliResult result = CliRunner.Run("dtb", "--help");

        Assert.Contains("drivers/of/fdt.c:873", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_spells_the_kernel_function_right_and_says_any_write_restores()
    {
        string format = File.ReadAllText(Path.Combine(RepoPaths.Spec, "FORMAT.md"));

        // kernel/crash_dump_dm_crypt.c:148 and :336-337.
        Assert.DoesNotContain("read_key_from_user_keying", format, StringComparison.Ordinal);
        Assert.Contains("read_key_from_user_keyring", format, StringComparison.Ordinal);
        Assert.Contains("**any** write while `restore` reads 0", format, StringComparison.Ordinal);
        Assert.DoesNotContain("in later versions", format, StringComparison.Ordinal);
    }
}
