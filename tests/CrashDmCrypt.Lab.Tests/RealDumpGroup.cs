namespace CrashDmCrypt.Lab.Tests;

/// <summary>Scenario 5's one QEMU run, shared by the tests that judge its dump (scenarios 5 and 6, the audit).</summary>
[CollectionDefinition(Name)]
public sealed class RealDumpGroup : ICollectionFixture<RealDumpRun>
{
    public const string Name = "real dump";
}
