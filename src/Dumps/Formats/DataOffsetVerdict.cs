namespace CrashDmCrypt.Dumps.Formats;

/// <summary>What <see cref="DataOffsetSet.Add"/> knows of a page data offset on the first pass over a dump's descriptors.</summary>
internal enum DataOffsetVerdict
{
    /// <summary>No earlier page named it.</summary>
    New,

    /// <summary>An earlier page named it.</summary>
    Repeated,

    /// <summary>
    /// Met out of order for the first time, between the first page's offset and the highest before it (a scrubbed copy's
    /// or a hostile file's, never makedumpfile's): an earlier page named it if a rising one did, which
    /// <see cref="DataOffsetSet.Replay"/> tells on a second pass over the same descriptors.
    /// </summary>
    Undecided,

    /// <summary>One more offset out of order than the limit: the caller passes the descriptors again with <see cref="ExactOffsetSet"/>.</summary>
    OverLimit,
}
