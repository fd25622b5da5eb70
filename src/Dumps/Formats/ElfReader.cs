using CrashDmCrypt.Codec;
using CrashDmCrypt.Dumps.Sources;

namespace CrashDmCrypt.Dumps.Formats;

/// <summary>ELF core files: PT_LOAD segments by p_paddr, and the VMCOREINFO note.</summary>
internal static class ElfReader
{
    public static bool HasSignature(ReadOnlySpan<byte> head) => head.StartsWith(ElfLayout.Magic);

    public static bool TryOpen(DumpSource source, DumpOpenOptions options, out PhysicalMemory? memory, out DumpProblem problem)
    {
        memory = null;
        Span<byte> ident = stackalloc byte[ElfLayout.IdentSize];
        if (!source.TryRead(0, ident))
        {
            problem = DumpProblem.At(DumpError.Truncated, source.Length);
            return false;
        }

        byte elfClass = ident[ElfLayout.ClassIndex];
        byte data = ident[ElfLayout.DataIndex];
        if ((elfClass != ElfLayout.Class32 && elfClass != ElfLayout.Class64)
            || (data != ElfLayout.DataLittle && data != ElfLayout.DataBig)
            || ident[ElfLayout.VersionIndex] != 1)
        {
            problem = DumpProblem.At(DumpError.ElfBadHeader, ElfLayout.ClassIndex);
            return false;
        }

        int word = elfClass == ElfLayout.Class64 ? 8 : 4;
        var r = new ByteReader(data == ElfLayout.DataBig);
        Span<byte> header = stackalloc byte[ElfLayout.HeaderSize(8)];
        header = header[..ElfLayout.HeaderSize(word)];
        if (!source.TryRead(0, header))
        {
            problem = DumpProblem.At(DumpError.Truncated, source.Length);
            return false;
        }

        if (r.U16(header, ElfLayout.TypeOffset) != ElfLayout.TypeCore)
        {
            problem = DumpProblem.At(DumpError.ElfBadHeader, ElfLayout.TypeOffset);
            return false;
        }

        ulong phoff = r.Word(header, ElfLayout.PhOffOffset(word), word);
        int phentsize = r.U16(header, ElfLayout.PhEntSizeOffset(word));
        uint phnum = r.U16(header, ElfLayout.PhNumOffset(word));
        if (phentsize != ElfLayout.ProgramHeaderSize(word))
        {
            problem = DumpProblem.At(DumpError.ElfBadProgramHeaders, ElfLayout.PhEntSizeOffset(word));
            return false;
        }

        if (phnum == ElfLayout.ExtendedCount && !TryReadExtendedCount(source, header, word, r, out phnum, out problem))
        {
            return false;
        }

        if (phnum > (uint)options.RangeLimit)
        {
            problem = DumpProblem.At(DumpError.TooManyRanges, ElfLayout.PhNumOffset(word));
            return false;
        }

        ulong tableSize = (ulong)phnum * (uint)phentsize;
        if (!source.Contains(phoff, tableSize))
        {
            problem = DumpProblem.At(DumpError.ElfBadProgramHeaders, ElfLayout.PhOffOffset(word));
            return false;
        }

        var segments = new List<Segment>();
        VmcoreInfo vmcoreInfo = VmcoreInfo.Empty;

        // Work in proportion to the file: note segments are walked, and PT_LOAD file bytes read, at most once per file byte.
        ulong noteBudget = (ulong)source.Length;
        ulong loadBudget = (ulong)source.Length;
        Span<byte> ph = stackalloc byte[ElfLayout.ProgramHeaderSize(8)];
        ph = ph[..phentsize];
        ulong noPhysicalAddress = word == 8 ? ulong.MaxValue : uint.MaxValue;
        for (uint i = 0; i < phnum; i++)
        {
            long at = (long)(phoff + ((ulong)i * (uint)phentsize));
            source.TryRead(at, ph);
            uint type = r.U32(ph, 0);
            ulong offset = r.Word(ph, ElfLayout.POffsetOffset(word), word);
            ulong paddr = r.Word(ph, ElfLayout.PPaddrOffset(word), word);
            ulong filesz = r.Word(ph, ElfLayout.PFileSzOffset(word), word);
            ulong memsz = r.Word(ph, ElfLayout.PMemSzOffset(word), word);
            if (type == ElfLayout.NoteType)
            {
                if (!source.Contains(offset, filesz))
                {
                    problem = DumpProblem.At(DumpError.SegmentOutsideFile, at + ElfLayout.POffsetOffset(word));
                    return false;
                }

                // Many PT_NOTE headers over the same notes would walk them once each.
                if (vmcoreInfo.Fields.Count == 0 && filesz > noteBudget)
                {
                    problem = DumpProblem.At(DumpError.NoteMalformed, at + ElfLayout.PFileSzOffset(word));
                    return false;
                }

                noteBudget -= vmcoreInfo.Fields.Count == 0 ? filesz : 0;
                if (vmcoreInfo.Fields.Count == 0 && !TryFindVmcoreInfo(source, (long)offset, filesz, r, out vmcoreInfo, out problem))
                {
                    return false;
                }

                continue;
            }

            if (type != ElfLayout.LoadType || paddr == noPhysicalAddress || memsz == 0)
            {
                continue;
            }

            if (filesz > memsz || memsz > ulong.MaxValue - paddr)
            {
                problem = DumpProblem.At(DumpError.SegmentAbsurd, at + ElfLayout.PFileSzOffset(word));
                return false;
            }

            if (!source.Contains(offset, filesz))
            {
                problem = DumpProblem.At(DumpError.SegmentOutsideFile, at + ElfLayout.POffsetOffset(word));
                return false;
            }

            if (filesz > loadBudget)
            {
                problem = DumpProblem.At(DumpError.SegmentsShareFileBytes, at + ElfLayout.PFileSzOffset(word));
                return false;
            }

            loadBudget -= filesz;
            segments.Add(new Segment(paddr, paddr + memsz, (long)offset, filesz));
        }

        memory = SegmentedMemory.Create(
            source, DumpFormat.Elf, segments, r.BigEndian ? KeyBlobByteOrder.BigEndian : KeyBlobByteOrder.LittleEndian, true, vmcoreInfo, true);
        problem = default;
        return true;
    }

    // PN_XNUM: the real count is sh_info of section header 0 (elf(5)), as makedumpfile writes for many segments.
    private static bool TryReadExtendedCount(DumpSource source, ReadOnlySpan<byte> header, int word, ByteReader r, out uint count, out DumpProblem problem)
    {
        count = 0;
        ulong shoff = r.Word(header, ElfLayout.ShOffOffset(word), word);
        Span<byte> info = stackalloc byte[sizeof(uint)];
        if (shoff > long.MaxValue || !source.TryRead((long)shoff + ElfLayout.ShInfoOffset(word), info))
        {
            problem = DumpProblem.At(DumpError.ElfBadProgramHeaders, ElfLayout.ShOffOffset(word));
            return false;
        }

        count = r.U32(info, 0);
        problem = default;
        return true;
    }

    private static bool TryFindVmcoreInfo(DumpSource source, long offset, ulong length, ByteReader r, out VmcoreInfo info, out DumpProblem problem)
    {
        info = VmcoreInfo.Empty;
        Span<byte> header = stackalloc byte[ElfLayout.NoteHeaderSize];
        Span<byte> name = stackalloc byte[ElfLayout.VmcoreInfoName.Length + 1];
        ulong position = 0;
        while (length - position >= ElfLayout.NoteHeaderSize)
        {
            long at = offset + (long)position;
            source.TryRead(at, header);
            ulong nameSize = r.U32(header, 0);
            ulong descSize = r.U32(header, 4);
            uint type = r.U32(header, 8);
            ulong namePadded = (nameSize + 3) & ~3UL;
            ulong descPadded = (descSize + 3) & ~3UL;
            ulong noteSize = ElfLayout.NoteHeaderSize + namePadded + descPadded;
            if (noteSize > length - position)
            {
                problem = DumpProblem.At(DumpError.NoteMalformed, at);
                return false;
            }

            long nameAt = at + ElfLayout.NoteHeaderSize;
            if (type == ElfLayout.VmcoreInfoNoteType && nameSize == (ulong)name.Length)
            {
                source.TryRead(nameAt, name);
                if (name[..^1].SequenceEqual(ElfLayout.VmcoreInfoName) && name[^1] == 0)
                {
                    int size = (int)Math.Min(descSize, VmcoreInfo.MaxLength);
                    byte[] text = new byte[size];
                    source.TryRead(nameAt + (long)namePadded, text);
                    info = VmcoreInfo.Parse(text);
                    break;
                }
            }

            position += noteSize;
        }

        problem = default;
        return true;
    }
}
