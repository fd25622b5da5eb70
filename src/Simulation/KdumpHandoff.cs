namespace CrashDmCrypt.Simulation;

/// <summary>How the first kernel hands the blob's address to the kdump kernel.</summary>
public enum KdumpHandoff
{
    /// <summary>x86_64: <c>dmcryptkeys=0x&lt;hex&gt; </c> on the kdump kernel's command line, after <c>elfcorehdr=</c>.</summary>
    CommandLine = 0,

    /// <summary>arm64 and ppc64 (drivers/of/kexec.c:426-441): the <c>/chosen/linux,dmcryptkeys</c> property of the kdump kernel's device tree.</summary>
    DeviceTree = 1,
}
