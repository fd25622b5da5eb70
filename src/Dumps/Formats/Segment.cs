namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Physical <c>[Start, End)</c>, whose first <c>FileBytes</c> bytes are in the file from <c>FileOffset</c> and the rest read as
/// zero (an ELF PT_LOAD with p_filesz &lt; p_memsz). End never overflows; FileOffset + FileBytes lies in the file.
/// </summary>
internal readonly record struct Segment(ulong Start, ulong End, long FileOffset, ulong FileBytes)
{
    public ulong FileEnd => Start + FileBytes;
}
