namespace CrashDmCrypt.Codec;

/// <summary>A delegate form of <see cref="IKeyBlobSink"/>.</summary>
/// <param name="entry">The entry; its spans are valid only during the call.</param>
public delegate void KeyBlobEntryHandler(KeyBlobEntry entry);
