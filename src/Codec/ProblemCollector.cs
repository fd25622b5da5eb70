namespace CrashDmCrypt.Codec;

/// <summary>
/// Records problems into a caller's span (as many as fit) and counts them; the first is kept for the Try methods. Checks
/// always run to the end: a blob holds at most 128 entries, so a refused one costs at most what an accepted one does.
/// </summary>
internal ref struct ProblemCollector
{
    private readonly Span<KeyBlobProblem> _destination;

    public ProblemCollector(Span<KeyBlobProblem> destination)
    {
        _destination = destination;
    }

    public int Count { get; private set; }

    public KeyBlobProblem First { get; private set; }

    public void Add(KeyBlobError error, int entryIndex, int offset)
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
    }
}
