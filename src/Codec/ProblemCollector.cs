namespace CrashDmCrypt.Codec;

/// <summary>Records problems into a caller's span, or stops at the first one.</summary>
internal ref struct ProblemCollector
{
    private readonly Span<KeyBlobProblem> _destination;
    private readonly bool _stopAtFirst;

    public ProblemCollector(Span<KeyBlobProblem> destination, bool stopAtFirst)
    {
        _destination = destination;
        _stopAtFirst = stopAtFirst;
    }

    public int Count { get; private set; }

    public KeyBlobProblem First { get; private set; }

    /// <summary>Records a problem; returns whether checking should go on.</summary>
    public bool Add(KeyBlobError error, int entryIndex, int offset)
    {
        var problem = new KeyBlobProblem { Error = error, EntryIndex = entryIndex, Offset = offset };
        if (Count == 0)
        {
            First = problem;
        }

        if (Count < _destination.Length)
        {
            _destination[Count] = problem;
        }

        Count++;
        return !_stopAtFirst;
    }
}
