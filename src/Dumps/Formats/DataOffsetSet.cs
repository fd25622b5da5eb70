namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// The page data offsets a pass over a kdump file's descriptors has met, to tell a page whose data an earlier page already
/// named. makedumpfile writes page data in page-frame order (write_kdump_pages_cyclic), so offsets nearly always rise: a
/// rising offset is new without a look-up and joins a sorted list; only one that does not rise (the one zero page every
/// zero page names, a hostile file's repeats) is looked up, by binary search there and in a set of the others. Memory:
/// about 8 bytes a distinct offset, in proportion to the file.
/// </summary>
internal sealed class DataOffsetSet
{
    private readonly List<ulong> _rising = [];
    private HashSet<ulong>? _others;

    /// <summary>True when <paramref name="offset"/> was not met before (and now is).</summary>
    public bool Add(ulong offset)
    {
        if (_rising.Count == 0 || offset > _rising[^1])
        {
            _rising.Add(offset);
            return true;
        }

        return _rising.BinarySearch(offset) < 0 && (_others ??= []).Add(offset);
    }
}
