namespace CrashDmCrypt.Dumps.Formats;

/// <summary>
/// Tells, pass by pass over a kdump file's descriptors, a page whose data an earlier page already named, in memory that
/// does not grow with the dump. makedumpfile writes page data in page-frame order (makedumpfile.c,
/// write_kdump_pages_cyclic) after the one zero page every zero page names, as QEMU's dump-guest-memory does
/// (dump/dump.c, write_dump_pages): so an offset nearly always rises above every offset before it (new, known without a
/// look-up) or is the first page's or the highest one (repeated). One below the first page's cannot be a rising one, so
/// it is repeated exactly when it fell there before: those are kept (the shared zero page, one). One between the first
/// page's and the highest (a scrubbed copy's or a hostile file's) may be a rising one, which no pass keeps: its first occurrence
/// is undecided until a second pass over the same descriptors (<see cref="Replay"/>) notes the rising pages that name
/// it. Distinct offsets out of order are bounded by the limit (<see cref="DumpOpenOptions.MaxOutOfOrderPageData"/>),
/// beyond which the caller keeps every offset instead (<see cref="ExactOffsetSet"/>: a scrubbed copy, whose rewritten pages
/// lie at its end, has an offset out of order for every page after the first of them); the rising ones, nearly every
/// page's, take no memory.
/// </summary>
internal sealed class DataOffsetSet(int limit)
{
    private readonly HashSet<ulong> _below = [];     // offsets below the first page's, met so far
    private readonly HashSet<ulong> _between = [];   // offsets between the first page's and the highest before them
    private readonly HashSet<ulong> _risen = [];     // of _between, those a rising page named (second pass)
    private readonly HashSet<ulong> _decided = [];   // of _between, those whose undecided occurrence the second pass met
    private ulong _first;
    private ulong _highest;
    private bool _any;
    private ulong _replayHighest;
    private bool _replayAny;

    /// <summary>Whether some offset was <see cref="DataOffsetVerdict.Undecided"/>: the descriptors must be passed again.</summary>
    public bool NeedsReplay => _between.Count > 0;

    /// <summary>The first pass: each stored page's data offset, in descriptor order.</summary>
    public DataOffsetVerdict Add(ulong offset)
    {
        if (!_any || offset > _highest)
        {
            _first = _any ? _first : offset;
            _highest = offset;
            _any = true;
            return DataOffsetVerdict.New;
        }

        if (offset == _highest || offset == _first)
        {
            return DataOffsetVerdict.Repeated;
        }

        // Out of order: repeated if met out of order before. Met for the first time, one below the first page's is new
        // (no rising page named it), one between is undecided (a rising one may have).
        bool below = offset < _first;
        HashSet<ulong> kept = below ? _below : _between;
        if (kept.Contains(offset))
        {
            return DataOffsetVerdict.Repeated;
        }

        if (_below.Count + _between.Count >= limit)
        {
            return DataOffsetVerdict.OverLimit;
        }

        kept.Add(offset);
        return below ? DataOffsetVerdict.New : DataOffsetVerdict.Undecided;
    }

    /// <summary>
    /// The second pass, over the same offsets in the same order: true for the occurrence that was
    /// <see cref="DataOffsetVerdict.Undecided"/> when a rising page (which can only come before it) named the same offset;
    /// false for every other occurrence (the first pass decided them).
    /// </summary>
    public bool Replay(ulong offset)
    {
        // As Add decided: a rising offset, the first page's or the highest is decided, as is one below the first page's.
        if (!_replayAny || offset > _replayHighest)
        {
            _replayHighest = offset;
            _replayAny = true;
            if (_between.Contains(offset))
            {
                _risen.Add(offset);
            }

            return false;
        }

        if (offset == _replayHighest || offset == _first || !_between.Contains(offset))
        {
            return false;
        }

        return _decided.Add(offset) && _risen.Contains(offset);
    }
}
