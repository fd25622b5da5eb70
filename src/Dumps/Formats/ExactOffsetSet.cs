namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Every page data offset a pass over a kdump file's descriptors has met, to tell a page whose data an earlier page already
/// named, in one pass whatever the order: for files whose data are out of page-frame order beyond
/// <see cref="DataOffsetSet"/>'s limit (a scrubbed copy, whose rewritten pages are appended at its end, so that every page
/// after the first of them names data below it; a hostile file), and for the leftover check of a scrubbed copy.
/// makedumpfile writes page data in page-frame order (write_kdump_pages_cyclic), so offsets nearly always rise: a
/// rising offset is new without a look-up and joins a sorted list; one that does not rise and is the last such one met
/// (the one zero page every zero page names, again and again) is known at once; only another (a hostile file's repeats) is
/// looked up, by binary search there and in a set of the others. Memory: about 8 bytes a distinct offset, in proportion
/// to the file.
/// </summary>
/// <param name="expected">The descriptors to visit: the list starts that long (up to a million offsets, 8 MiB), so that a
/// pass of a dump's descriptors does not grow and copy it again and again.</param>
internal sealed class ExactOffsetSet(long expected = 0)
{
    private readonly List<ulong> _rising = new((int)Math.Clamp(expected, 0, 1 << 20));
    private HashSet<ulong>? _others;

    // The last offset met that did not rise; MaxValue before there is one (a MaxValue that does not rise is the list's
    // last, met already).
    private ulong _lastOther = ulong.MaxValue;

    /// <summary>True when <paramref name="offset"/> was not met before (and now is).</summary>
    public bool Add(ulong offset)
    {
        if (_rising.Count == 0 || offset > _rising[^1])
        {
            _rising.Add(offset);
            return true;
        }

        if (offset == _lastOther)
        {
            return false;
        }

        _lastOther = offset;
        return _rising.BinarySearch(offset) < 0 && (_others ??= []).Add(offset);
    }
}
